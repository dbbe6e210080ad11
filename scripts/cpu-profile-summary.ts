/**
 * Sums CPU profiles (`.cpuprofile`, from `node --cpu-prof` or `bench/per-item.ts` with
 * PRUNA_BENCH_PROFILE_DIR) by self time: per package, then per function, the top entries first,
 * with each one's share of the busy time (all samples but idle ones).
 * Several files are summed (runs of the same case). A function's package is the folder under its
 * last `node_modules/` (this package's own code is `n8n-nodes-pruna`); Node's built-in modules are
 * `node:internal`; V8's own entries keep their names, e.g. `(garbage collector)`.
 *
 *   node scripts/cpu-profile-summary.ts [--top 25] [--per 3000] profiles/before/status-ours-*.cpuprofile
 *
 * `--per N` also prints each figure divided by N (ms per item, for a run of N items).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
}

/** The package a script URL belongs to. */
export function packageOf(url: string): string {
	if (!url) return '';
	if (url.startsWith('node:')) return 'node:internal';
	const path = decodeURIComponent(url.replace(/^file:\/\//, ''));
	const inModules = path.lastIndexOf('/node_modules/');
	if (inModules === -1) {
		if (/\/(dist\/)?(nodes|credentials)\//.test(path)) return 'n8n-nodes-pruna';
		if (/\/(bench|test|scripts)\//.test(path)) return 'n8n-nodes-pruna (bench, test harness)';
		return path;
	}
	const parts = path.slice(inModules + '/node_modules/'.length).split('/');
	return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Where a function is, short: its file under its package, and line. */
function placeOf(url: string, line: number): string {
	const path = decodeURIComponent(url.replace(/^file:\/\//, ''));
	const inModules = path.lastIndexOf('/node_modules/');
	const short = inModules === -1 ? path.split('/').slice(-2).join('/') : path.slice(inModules + 14);
	return short ? `${short}:${line + 1}` : '';
}

/** Self time in ms by package and by function, over all `files`. */
export function summarize(files: string[]): {
	totalMs: number;
	byPackage: Map<string, number>;
	byFunction: Map<string, number>;
} {
	const byPackage = new Map<string, number>();
	const byFunction = new Map<string, number>();
	let totalMs = 0;
	const add = (map: Map<string, number>, key: string, ms: number) =>
		map.set(key, (map.get(key) ?? 0) + ms);
	for (const file of files) {
		const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
		const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
		// A sample's time is the delta that follows it (the last one has none).
		for (let index = 0; index < profile.samples.length; index++) {
			const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
			const frame = nodes.get(profile.samples[index])?.callFrame;
			if (!frame) continue;
			totalMs += ms;
			const pkg = packageOf(frame.url) || frame.functionName;
			add(byPackage, pkg, ms);
			const name = frame.functionName || '(anonymous)';
			const place = placeOf(frame.url, frame.lineNumber);
			add(byFunction, place ? `${name} [${pkg}] ${place}` : name, ms);
		}
	}
	return { totalMs, byPackage, byFunction };
}

function main(args: string[]): void {
	let top = 25;
	let per: number | undefined;
	const files: string[] = [];
	for (let index = 0; index < args.length; index++) {
		if (args[index] === '--top') top = Number(args[++index]);
		else if (args[index] === '--per') per = Number(args[++index]);
		else files.push(args[index]);
	}
	if (!files.length) {
		console.error('Usage: node scripts/cpu-profile-summary.ts [--top N] [--per ITEMS] FILE...');
		process.exit(2);
	}
	const { totalMs, byPackage, byFunction } = summarize(files);
	// Idle samples are the thread waiting (for the network, for timers): not CPU time.
	const idleMs = byPackage.get('(idle)') ?? 0;
	byPackage.delete('(idle)');
	byFunction.delete('(idle)');
	const busyMs = totalMs - idleMs;
	const line = (ms: number, label: string) => {
		const share = ((ms / busyMs) * 100).toFixed(1).padStart(5);
		const each = per
			? `  ${((ms / files.length / per) * 1000).toFixed(1).padStart(7)} µs/item`
			: '';
		return `${ms.toFixed(0).padStart(8)} ms ${share} %${each}  ${label}`;
	};
	console.log(line(busyMs, `busy (all but idle), ${files.length} profile(s)`));
	console.log(`${idleMs.toFixed(0).padStart(8)} ms idle, not counted`);
	const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
	console.log('\nBy package');
	for (const [name, ms] of sorted(byPackage)) console.log(line(ms, name));
	console.log('\nBy function');
	for (const [name, ms] of sorted(byFunction)) console.log(line(ms, name));
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
