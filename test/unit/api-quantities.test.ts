import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cpu, Memory, TemplateCpu, TemplateMemory, cpuString, cpuUnits, memoryMiB, memoryString } from '../../controller/api/quantities.js';
import { PoolSpec, effectiveTaskSize } from '../../controller/api/index.js';

/** Values that are not amounts in either grammar. */
const NOT_AMOUNTS: ReadonlyArray<number | string> = [
  'NaN', '', '   ', '1.5.2 vCPU', '1.5.2 GB', '-1', '-1 vCPU', -1, 'Infinity', Infinity, Number.NaN, '1e3', '0x400',
  '1.5', 1.5, '0', 0, '0 vCPU', '0 GB', 'vCPU', 'GB', '.5 vCPU', '1024 units',
];

describe('cpu grammar', () => {
  test('reads CPU units and vCPUs, any case, with or without space, ignoring surrounding whitespace', () => {
    const cases: Array<[number | string, number]> = [
      [1024, 1024], ['1024', 1024], [' 256 ', 256], ['1 vCPU', 1024], ['1 vcpu', 1024], ['1vCPU', 1024],
      ['0.25 vCPU', 256], ['0.5 VCPU', 512], ['2 vCpu', 2048], ['16 vCPU', 16384], ['\t4 vCPU\n', 4096],
    ];
    for (const [input, units] of cases) assert.equal(cpuUnits(input), units, JSON.stringify(input));
  });

  test('turns away what is not a CPU amount', () => {
    for (const input of [...NOT_AMOUNTS, '2 GB', '2048 MiB']) assert.equal(cpuUnits(input), undefined, JSON.stringify(input));
    assert.equal(cpuUnits(undefined), undefined);
  });

  test('writes the integer string ECS stores, and leaves what it cannot read for ECS to judge', () => {
    assert.equal(cpuString('1 vCPU'), '1024');
    assert.equal(cpuString(512), '512');
    assert.equal(cpuString('NaN'), 'NaN');
  });
});

describe('memory grammar', () => {
  test('reads MiB and GB, any case, with or without space', () => {
    const cases: Array<[number | string, number]> = [
      [2048, 2048], ['2048', 2048], ['2GB', 2048], ['2 GB', 2048], ['2 gb', 2048], ['0.5GB', 512], [' 30 Gb ', 30720],
    ];
    for (const [input, mib] of cases) assert.equal(memoryMiB(input), mib, JSON.stringify(input));
  });

  test('turns away what is not a memory amount, including units ECS does not document', () => {
    for (const input of [...NOT_AMOUNTS, '1 vCPU', '512 MiB', '512mb', '1 GiB']) assert.equal(memoryMiB(input), undefined, JSON.stringify(input));
  });

  test('writes the integer string ECS stores', () => {
    assert.equal(memoryString('2 GB'), '2048');
    assert.equal(memoryString('512 MiB'), '512 MiB');
  });
});

describe('schemas use the grammar', () => {
  test('pool/run cpu and memory become units and MiB', () => {
    assert.equal(Cpu.parse('0.5 vCPU'), 512);
    assert.equal(Memory.parse('4 GB'), 4096);
    for (const input of NOT_AMOUNTS) {
      assert.equal(Cpu.safeParse(input).success, false, `cpu ${JSON.stringify(input)}`);
      assert.equal(Memory.safeParse(input).success, false, `memory ${JSON.stringify(input)}`);
    }
  });

  test('template cpu and memory keep the text written and reject what ECS would not read', () => {
    assert.equal(TemplateCpu.parse('1 vCPU'), '1 vCPU');
    assert.equal(TemplateMemory.parse(2048), '2048');
    for (const input of NOT_AMOUNTS) {
      assert.equal(TemplateCpu.safeParse(input).success, false, `template cpu ${JSON.stringify(input)}`);
      assert.equal(TemplateMemory.safeParse(input).success, false, `template memory ${JSON.stringify(input)}`);
    }
    assert.equal(PoolSpec.safeParse({ taskDefinition: { cpu: 'NaN', memory: '2048' } }).success, false);
  });

  test('the effective task size reads the template with the same grammar', () => {
    const pool = PoolSpec.parse({ taskDefinition: { cpu: '0.5 vCPU', memory: '1GB' } });
    assert.deepEqual(effectiveTaskSize(pool), { cpu: 512, memory: 1024 });
  });
});
