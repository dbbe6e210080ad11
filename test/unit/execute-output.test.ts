/**
 * The e2e harness reads `n8n execute --rawOutput` from n8n's stdout, which its logger shares: the
 * execution must be found whatever log lines come before or after it (CI once failed on a line after).
 */
import { executionIn } from '../harness/real-n8n.ts';

const execution = {
	status: 'success',
	finished: true,
	data: { resultData: { runData: { a: [] } } },
};
const printed = JSON.stringify(execution, null, 2);

describe("the execution among n8n execute's log lines", () => {
	test.each([
		['alone', `${printed}\n`],
		[
			'after the task broker and runner lines',
			`n8n Task Broker ready on 127.0.0.1, port 5679\nRegistered runner "JS Task Runner"\n${printed}\n`,
		],
		['followed by a runner line', `n8n Task Broker ready\n${printed}\nTask runner exited\n`],
		[
			'followed by a line that opens an object',
			`${printed}\n{"level":"info","message":"shutting down"}\n`,
		],
	])('%s', (_case, stdout) => {
		expect(executionIn(stdout)).toEqual(execution);
	});

	test('none printed (n8n failed before running it)', () => {
		expect(
			executionIn('Error executing workflow. See log messages for details.\n'),
		).toBeUndefined();
	});
});
