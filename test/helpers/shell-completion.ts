/**
 * Asks real shells what they complete with a `longshore completion <shell>` script loaded: bash (the script's
 * function called as bash's completion would call it), zsh (an interactive zsh on a pseudo-terminal, a Tab
 * typed, the candidates caught where completion functions hand them to compadd) and fish (`complete -C`).
 * `longshore` inside each shell runs `command` (the CLI under test), so run and pool names come from it.
 * zsh and fish are Debian's packages (scripts/ensure-shells.sh installs them).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How the shell is loaded: zsh's script sourced, or saved as `_longshore` on $fpath for compinit to autoload. */
export type ZshLoading = 'source' | 'fpath';

const posixQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
const fishQuote = (text: string) => `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;

/**
 * The zsh side. Runs `zsh -f -i` under zpty, sources INNER in it (the completion system, SETUP, a compadd that
 * also writes what it adds to OUT), waits until that is done (typeahead could otherwise reach the line editor
 * early), types the line and a Tab, and reads until the shell exits: comppostfuncs marks the end of the
 * completion in OUT and exits. Prints the candidates, or fails if no completion ran.
 */
const ZSH_DRIVER = [
  "emulate -L zsh",
  "zmodload zsh/zpty || exit 2",
  "local inner=$1 setup=$2 out=$3 line=$4 text",
  "zpty shell zsh -f -i",
  "zpty -w shell \"source ${(q)inner} ${(q)setup} ${(q)out}\"",
  "while zpty -r shell text; do [[ $text == *__CAPTURE_READY__* ]] && break; done",
  "zpty -n -w shell \"$line\"$'\\t'",
  "while zpty -r shell text; do :; done",
  "zpty -d shell",
  "local -a result=(\"${(@f)$(<$out)}\")",
  "[[ ${result[-1]} == __CAPTURE_DONE__ ]] || { print -u2 \"no completion ran for: $line\"; exit 3 }",
  "print -rl -- ${result[1,-2]}",
].join('\n');

const ZSH_INNER = [
  "PROMPT='' RPROMPT=''",
  "autoload -Uz compinit && compinit -u -D",
  "source $1",
  "__capture_out=$2",
  "compadd() {",
  "  # Calls that only ask for matches (-O, -A, -D) come from the completion system itself: pass them through.",
  "  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then",
  "    builtin compadd \"$@\"",
  "    return",
  "  fi",
  "  local -a __hits",
  "  # -O: the words that match what is typed, stored instead of added; then added as asked.",
  "  builtin compadd -O __hits \"$@\"",
  "  (( $#__hits )) && print -rl -- $__hits >>$__capture_out",
  "  builtin compadd \"$@\"",
  "}",
  "__capture_done() { print -r -- __CAPTURE_DONE__ >>$__capture_out; exit }",
  "comppostfuncs=(__capture_done)",
  "bindkey '^I' complete-word",
  "print -r -- __CAPTURE_READY__",
].join('\n');

export class ShellCompletion {
  private readonly dir = mkdtempSync(join(tmpdir(), 'longshore-completion-'));

  /** `command`: the argv that runs the CLI; `env`: its environment (Redis URL, namespace). */
  constructor(private readonly command: readonly string[], private readonly env: NodeJS.ProcessEnv) {}

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** bash: COMP_WORDS and COMP_CWORD as bash sets them for `line` (the cursor at its end), then the function. */
  bash(script: string, line: string): string[] {
    const words = line.split(' ');
    const program = [
      script,
      `longshore() { ${this.command.map(posixQuote).join(' ')} "$@"; }`,
      `COMP_WORDS=(${words.map(posixQuote).join(' ')}); COMP_CWORD=${words.length - 1}`,
      '_longshore; printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    return this.run('bash', ['-c', program]);
  }

  /** zsh: `line` typed into an interactive zsh with the script loaded, then a Tab. */
  zsh(script: string, line: string, loading: ZshLoading = 'source'): string[] {
    const scriptFile = join(this.dir, 'longshore.zsh');
    const fpathDir = join(this.dir, 'fpath');
    writeFileSync(scriptFile, script);
    rmSync(fpathDir, { recursive: true, force: true });
    mkdirSync(fpathDir);
    // fpath: compinit autoloads #compdef files on $fpath as the function of their file name; run it again
    // once the directory is on it.
    if (loading === 'fpath') writeFileSync(join(fpathDir, '_longshore'), script);
    const load = loading === 'source' ? `source ${posixQuote(scriptFile)}` : `fpath=(${posixQuote(fpathDir)} $fpath)\ncompinit -u -D`;
    writeFileSync(join(this.dir, 'setup.zsh'), `${load}\nlongshore() { ${this.command.map(posixQuote).join(' ')} "$@" }\n`);
    writeFileSync(join(this.dir, 'inner.zsh'), ZSH_INNER);
    writeFileSync(join(this.dir, 'driver.zsh'), ZSH_DRIVER);
    const out = join(this.dir, 'candidates');
    rmSync(out, { force: true });
    return this.run('zsh', ['-f', join(this.dir, 'driver.zsh'), join(this.dir, 'inner.zsh'), join(this.dir, 'setup.zsh'), out, line]);
  }

  /** fish: `complete -C line` with the script sourced; only each candidate, not its description. */
  fish(script: string, line: string): string[] {
    writeFileSync(join(this.dir, 'longshore.fish'), script);
    const program = [
      `source ${fishQuote(join(this.dir, 'longshore.fish'))}`,
      `function longshore; ${this.command.map(fishQuote).join(' ')} $argv; end`,
      `complete -C ${fishQuote(line)}`,
    ].join('\n');
    return this.run('fish', ['--no-config', '-c', program]).map((candidate) => candidate.split('\t')[0]);
  }

  private run(shell: string, args: string[]): string[] {
    // A completion that hung would otherwise hold the test until its own timeout, with nothing said.
    const out = spawnSync(shell, args, { env: this.env, timeout: 60_000, encoding: 'utf8' });
    assert.equal(out.error, undefined, `${shell} runs (scripts/ensure-shells.sh installs zsh and fish): ${out.error?.message}`);
    assert.equal(out.status, 0, `${shell}: ${out.stderr}`);
    return out.stdout.split('\n').filter(Boolean).sort();
  }
}
