/**
 * `npm run bench`: each benchmark prints its own figures, then one table of all of them with the
 * reference measured in the same run and the goal. `npm run bench -- download` runs one.
 */
import { benchBatch } from './batch.ts';
import { benchDistance } from './distance.ts';
import { benchDownload } from './download.ts';
import { benchOutage } from './outage.ts';
import { benchPerItem } from './per-item.ts';
import { benchSharedQuota, benchSharedQuotaTable } from './shared-quota.ts';
import { benchStatusChecks } from './status-checks.ts';
import { benchTimeToResult } from './time-to-result.ts';
import { benchUpload } from './upload.ts';
import { benchWait } from './wait.ts';
import type { BenchRow } from './lib.ts';
import { fmt } from './lib.ts';

const benchmarks: Record<string, () => Promise<BenchRow[]>> = {
	download: benchDownload,
	upload: benchUpload,
	wait: benchWait,
	outage: benchOutage,
	batch: benchBatch,
	shared: benchSharedQuota,
	status: benchStatusChecks,
	'per-item': benchPerItem,
	time: benchTimeToResult,
	distance: benchDistance,
};

/** Run only when named: they take long. */
const namedOnly: Record<string, () => Promise<BenchRow[]>> = {
	'shared-table': benchSharedQuotaTable,
};

const chosen = process.argv.slice(2).filter((name) => !name.startsWith('-'));
const rows: BenchRow[] = [];
for (const [name, bench] of Object.entries({ ...benchmarks, ...namedOnly })) {
	if (chosen.length ? !chosen.includes(name) : name in namedOnly) continue;
	console.log(`\n== ${name}`);
	rows.push(...(await bench()));
}

const table = [
	['Benchmark', 'Ours', 'Reference (same run)', 'Ratio', 'Goal', 'Met'],
	...rows.map((row) => [
		row.name,
		row.ours,
		row.reference,
		row.ratio === undefined ? '' : fmt.ratio(row.ratio),
		row.goal,
		row.met ? 'yes' : 'NO',
	]),
];
const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
console.log('');
for (const [index, row] of table.entries()) {
	console.log(`| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`);
	if (index === 0) console.log(`| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`);
}
process.exitCode = rows.every((row) => row.met) ? 0 : 1;
