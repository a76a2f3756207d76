/**
 * `longshore completion bash|zsh|fish`: a completion script generated from the commander tree itself, so a new
 * command or flag completes without touching this file. It completes subcommands, flags, the values of flags
 * with fixed choices (`-o`, `--phase`), an argument with fixed choices (`completion bash|zsh|fish`), and run
 * and pool names (asking `longshore run|pool list -o name`). bash and zsh share the per-command tables (plain
 * `case` functions both shells run); zsh has its own completion function rather than bashcompinit, whose
 * emulation let the bash function's `local path` empty zsh's $PATH (zsh ties `path` to it), so name
 * completion found no `sed`. test/e2e/cli-wait-version.test.ts asks the real bash, zsh and fish.
 */
import { Argument, Command, Option } from 'commander';

/** Commands whose positional arguments are names of this kind. */
const NAME_ARGUMENTS: Readonly<Record<string, 'run' | 'pool'>> = {
  'run get': 'run', 'run describe': 'run', 'run delete': 'run', 'run kill': 'run', 'run wait': 'run', 'run cancel': 'run',
  'pool get': 'pool', 'pool describe': 'pool', 'pool delete': 'pool',
};

export interface CompletionNode {
  /** Space-separated path from the root, '' for the root. */
  path: string;
  subcommands: string[];
  /** Every flag spelling (`-o`, `--output`), global ones included. */
  flags: string[];
  /** Flags that take a value, with their choices (empty when free-form). */
  valued: Array<{ flags: string[]; choices: string[] }>;
  /** The fixed choices of the command's first argument (`completion <shell>`); empty when free-form. */
  argChoices: string[];
  names?: 'run' | 'pool';
}

const spellings = (o: Option) => [o.short, o.long].filter((f): f is string => f !== undefined);

/** Every command of the tree, depth first; the root's options count as global. */
export function completionTree(root: Command): CompletionNode[] {
  // The root's options are global (-n), except --version, which only the root has.
  const globals = root.options.filter((o) => o.long !== '--version');
  const nodes: CompletionNode[] = [];
  const visit = (command: Command, path: string) => {
    const options = [...(command === root ? root.options : [...globals, ...command.options]), new Option('-h, --help')];
    const seen = new Set<string>();
    const flags = options.flatMap(spellings).filter((f) => (seen.has(f) ? false : (seen.add(f), true)));
    const valued = options.filter((o) => o.required || o.optional).map((o) => ({ flags: spellings(o), choices: [...(o.argChoices ?? [])] }));
    const argChoices = [...(command.registeredArguments[0]?.argChoices ?? [])];
    const node: CompletionNode = { path, subcommands: command.commands.map((c) => c.name()), flags, valued, argChoices };
    const names = NAME_ARGUMENTS[path];
    if (names) node.names = names;
    nodes.push(node);
    for (const sub of command.commands) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(root, '');
  return nodes;
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The per-command tables as shell functions that bash and zsh both run: each echoes its words for a path. */
function tableFunctions(nodes: readonly CompletionNode[]): string {
  const cases = (body: (n: CompletionNode) => string | undefined) =>
    nodes.map((n) => [n, body(n)] as const).filter(([, b]) => b).map(([n, b]) => `    ${quote(n.path)}) ${b} ;;`).join('\n');
  const choiceCases = nodes.flatMap((n) => n.valued.filter((v) => v.choices.length).flatMap((v) => v.flags.map((f) => `    ${quote(`${n.path}|${f}`)}) echo ${quote(v.choices.join(' '))} ;;`))).join('\n');
  return `_longshore_subs() {
  case "$1" in
${cases((n) => (n.subcommands.length ? `echo ${quote(n.subcommands.join(' '))}` : undefined))}
  esac
}
_longshore_flags() {
  case "$1" in
${cases((n) => `echo ${quote(n.flags.join(' '))}`)}
  esac
}
_longshore_valued() {
  case "$1" in
${cases((n) => (n.valued.length ? `echo ${quote(n.valued.flatMap((v) => v.flags).join(' '))}` : undefined))}
  esac
}
_longshore_choices() {
  case "$1|$2" in
${choiceCases}
  esac
}
_longshore_args() {
  case "$1" in
${cases((n) => (n.argChoices.length ? `echo ${quote(n.argChoices.join(' '))}` : undefined))}
  esac
}
_longshore_names() {
  case "$1" in
${cases((n) => (n.names ? `echo ${n.names}` : undefined))}
  esac
}`;
}

export function bashScript(nodes: readonly CompletionNode[]): string {
  return `# longshore completion for bash. Load it with: source <(longshore completion bash)
${tableFunctions(nodes)}
_longshore() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" word i positionals=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    # The value of a flag that takes one is not a command.
    [[ " $(_longshore_valued "$path") " == *" \${COMP_WORDS[i-1]} "* ]] && continue
    if [[ " $(_longshore_subs "$path") " == *" $word "* ]]; then
      path="\${path:+$path }$word" positionals=0
    else
      positionals=$((positionals + 1))
    fi
  done
  if [[ "$prev" == -* && " $(_longshore_valued "$path") " == *" $prev "* ]]; then
    COMPREPLY=($(compgen -W "$(_longshore_choices "$path" "$prev")" -- "$cur"))
    return
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_longshore_flags "$path")" -- "$cur"))
    return
  fi
  local subs kind
  subs="$(_longshore_subs "$path")"
  if [[ -n "$subs" ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    return
  fi
  kind="$(_longshore_names "$path")"
  if [[ -n "$kind" ]]; then
    COMPREPLY=($(compgen -W "$("\${COMP_WORDS[0]}" "$kind" list -o name 2>/dev/null | sed "s#^$kind/##")" -- "$cur"))
    return
  fi
  # Only the first argument has choices (completion's shell).
  if ((positionals == 0)); then
    COMPREPLY=($(compgen -W "$(_longshore_args "$path")" -- "$cur"))
  fi
}
complete -F _longshore longshore
`;
}

/**
 * zsh: the same tables with a completion function of zsh's own (words, CURRENT, compadd). Sourced, it registers
 * itself with compdef (starting the completion system if the shell has not); saved as `_longshore` on $fpath,
 * compinit autoloads the file as that function, and its first call defines everything and completes.
 */
export function zshScript(nodes: readonly CompletionNode[]): string {
  return `#compdef longshore
# longshore completion for zsh. Load it with: source <(longshore completion zsh)
# or save it as _longshore in a directory on $fpath before compinit runs.
${tableFunctions(nodes)}
_longshore() {
  # The user's options (ksh_arrays, sh_word_split, ...) must not change how this function reads.
  emulate -L zsh
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}" cmdpath="" word i positionals=0
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"
    [[ "$word" == -* ]] && continue
    # The value of a flag that takes one is not a command.
    [[ " $(_longshore_valued "$cmdpath") " == *" \${words[i-1]} "* ]] && continue
    if [[ " $(_longshore_subs "$cmdpath") " == *" $word "* ]]; then
      cmdpath="\${cmdpath:+$cmdpath }$word" positionals=0
    else
      positionals=$((positionals + 1))
    fi
  done
  if [[ "$prev" == -* && " $(_longshore_valued "$cmdpath") " == *" $prev "* ]]; then
    compadd -- \${=$(_longshore_choices "$cmdpath" "$prev")}
    return
  fi
  if [[ "$cur" == -* ]]; then
    compadd -- \${=$(_longshore_flags "$cmdpath")}
    return
  fi
  local subs kind
  subs="$(_longshore_subs "$cmdpath")"
  if [[ -n "$subs" ]]; then
    compadd -- \${=subs}
    return
  fi
  kind="$(_longshore_names "$cmdpath")"
  if [[ -n "$kind" ]]; then
    compadd -- \${\${(f)"$("\${words[1]}" "$kind" list -o name 2>/dev/null)"}#$kind/}
    return
  fi
  # Only the first argument has choices (completion's shell).
  if ((positionals == 0)); then
    compadd -- \${=$(_longshore_args "$cmdpath")}
  fi
}
if [[ "\${funcstack[1]}" == _longshore ]]; then
  # Autoloaded from $fpath: this file is the body of _longshore, called to complete; now defined, complete.
  _longshore "$@"
else
  (( $+functions[compdef] )) || { autoload -U +X compinit && compinit; }
  compdef _longshore longshore
fi
`;
}

export function fishScript(nodes: readonly CompletionNode[]): string {
  const lines = [
    '# longshore completion for fish. Load it with: longshore completion fish | source',
    // The command path typed so far, then how many arguments follow it (only the first has choices).
    'function __longshore_walk',
    '  set -l path ""',
    '  set -l positionals 0',
    '  set -l words (commandline -opc)',
    '  for word in $words[2..-1]',
    '    if string match -q -- "-*" $word; continue; end',
    '    if contains -- $word (__longshore_subs $path)',
    '      set path (string trim -- "$path $word")',
    '      set positionals 0',
    '    else',
    '      set positionals (math $positionals + 1)',
    '    end',
    '  end',
    '  echo $path',
    '  echo $positionals',
    'end',
    'function __longshore_path',
    '  set -l walk (__longshore_walk)',
    '  echo $walk[1]',
    'end',
    'function __longshore_first_argument',
    '  set -l walk (__longshore_walk)',
    '  test "$walk[1]" = "$argv[1]"; and test $walk[2] -eq 0',
    'end',
    'function __longshore_subs',
    '  switch "$argv[1]"',
    ...nodes.filter((n) => n.subcommands.length).flatMap((n) => [`    case ${quote(n.path)}`, `      printf '%s\\n' ${n.subcommands.map(quote).join(' ')}`]),
    '  end',
    'end',
    'complete -c longshore -e',
    'complete -c longshore -f',
  ];
  for (const n of nodes) {
    const when = `-n ${quote(`test (__longshore_path) = ${quote(n.path)}`)}`;
    if (n.subcommands.length) lines.push(`complete -c longshore ${when} -a ${quote(n.subcommands.join(' '))}`);
    if (n.argChoices.length) lines.push(`complete -c longshore -n ${quote(`__longshore_first_argument ${quote(n.path)}`)} -a ${quote(n.argChoices.join(' '))}`);
    if (n.names) lines.push(`complete -c longshore ${when} -a ${quote(`(longshore ${n.names} list -o name 2>/dev/null | string replace ${n.names}/ '')`)}`);
    for (const flag of n.flags) {
      const valued = n.valued.find((v) => v.flags.includes(flag));
      const spelled = flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`;
      const value = valued ? (valued.choices.length ? ` -x -a ${quote(valued.choices.join(' '))}` : ' -r') : '';
      lines.push(`complete -c longshore ${when} ${spelled}${value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function completionCommand(): Command {
  return new Command('completion')
    .description('print a shell completion script: source <(longshore completion bash), zsh likewise, fish: longshore completion fish | source')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .action((shell: string, _options: unknown, self: Command) => {
      let root: Command = self;
      while (root.parent) root = root.parent;
      const nodes = completionTree(root);
      process.stdout.write(shell === 'fish' ? fishScript(nodes) : shell === 'zsh' ? zshScript(nodes) : bashScript(nodes));
    });
}
