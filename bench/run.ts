/**
 * `npm run bench`: each benchmark prints its own figures, then one table of all of them with the
 * reference measured in the same run and the goal. `npm run bench -- download` runs one. Each
 * benchmark that ran writes its table into its block of docs/benchmarks.md, stamped with the commit
 * and the day (`--no-write`: print only).
 */
import { benchBatch } from './batch.ts';
import { benchDistance } from './distance.ts';
import { currentCommit, writeBenchBlocks } from './docs-blocks.ts';
import { benchDownload } from './download.ts';
import { benchLongBatch } from './long-batch.ts';
import { benchOutage } from './outage.ts';
import { benchPerItem } from './per-item.ts';
import { benchSharedQuota, benchSharedQuotaTable } from './shared-quota.ts';
import { benchStatusChecks } from './status-checks.ts';
import { benchTimeToResult } from './time-to-result.ts';
import { benchUpload } from './upload.ts';
import { benchWait } from './wait.ts';
import type { BenchOutcome, BenchRow } from './lib.ts';
import { rowsTable } from './lib.ts';

type Benchmark = () => Promise<BenchRow[] | BenchOutcome>;

const benchmarks: Record<string, Benchmark> = {
	download: benchDownload,
	upload: benchUpload,
	wait: benchWait,
	outage: benchOutage,
	batch: benchBatch,
	shared: benchSharedQuota,
	'long-batch': benchLongBatch,
	status: benchStatusChecks,
	'per-item': benchPerItem,
	time: benchTimeToResult,
	distance: benchDistance,
};

/** Run only when named: they take long. */
const namedOnly: Record<string, Benchmark> = {
	'shared-table': benchSharedQuotaTable,
};

const chosen = process.argv.slice(2).filter((name) => !name.startsWith('-'));
const write = !process.argv.includes('--no-write');
const unknown = chosen.filter((name) => !(name in benchmarks) && !(name in namedOnly));
if (unknown.length) throw new Error(`No benchmark named ${unknown.join(', ')}`);

// What was built as the run starts is what it measures, whatever changes while it runs.
const measuredAt = currentCommit();
const rows: BenchRow[] = [];
const tables: Record<string, string> = {};
for (const [name, bench] of Object.entries({ ...benchmarks, ...namedOnly })) {
	if (chosen.length ? !chosen.includes(name) : name in namedOnly) continue;
	console.log(`\n== ${name}`);
	const outcome = await bench();
	const { rows: own, markdown } = Array.isArray(outcome) ? { rows: outcome } : outcome;
	rows.push(...own);
	tables[name] = markdown ?? rowsTable(own);
}

console.log(`\n${rowsTable(rows)}`);
if (write) {
	await writeBenchBlocks(tables, measuredAt);
	console.log(`\nWrote ${Object.keys(tables).join(', ')} into docs/benchmarks.md.`);
}
process.exitCode = rows.every((row) => row.met) ? 0 : 1;
