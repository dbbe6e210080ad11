/**
 * Our package in the running product: `n8n start` on 127.0.0.1, the credential test through n8n's
 * REST API, and the editor in Debian's Chromium driven by playwright-core. Screenshots go to
 * e2e-output/ (the README's come from there).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Browser, Page } from 'playwright-core';
import { chromium, selectors } from 'playwright-core';

import { modelOptions } from '../../nodes/PrunaCreatePrediction/properties';
import { sha256 } from '../fixtures';
import { exampleWorkflowId, loadExample } from '../harness/examples.ts';
import { packageRoot } from '../harness/n8n.ts';
import type { N8nInstance, RunningN8n } from '../harness/real-n8n.ts';
import {
	examplesCredential,
	importPrunaCredential,
	importWorkflows,
	prepareN8n,
	startN8n,
} from '../harness/real-n8n.ts';
import { PrunaSimulator } from '../simulator/server.ts';

const chromiumPath = '/usr/bin/chromium';
const screenshots = join(packageRoot, 'e2e-output');
const owner = {
	email: 'owner@example.com',
	firstName: 'Ada',
	lastName: 'Owner',
	password: 'E2e-Passw0rd',
};
/** n8n binds its session cookie to the browser-id header its editor sends. */
const browserId = 'n8n-nodes-pruna-e2e';
const credentialTestPath = '/v1/predictions/status/n8n-credential-test';

const simulator = new PrunaSimulator();
const workFolder = mkdtempSync(join(tmpdir(), 'pruna-e2e-editor-'));
let n8n: N8nInstance;
let running: RunningN8n | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
	if (!existsSync(chromiumPath)) {
		throw new Error(
			`${chromiumPath} is missing: install Debian's chromium (apt-get install chromium)`,
		);
	}
	mkdirSync(screenshots, { recursive: true });
	await simulator.listen();
	n8n = await prepareN8n(join(workFolder, 'n8n'));
	await importPrunaCredential(n8n, simulator);
	await importWorkflows(n8n, [
		{ id: exampleWorkflowId('text-to-image.json'), workflow: loadExample('text-to-image.json') },
	]);
	running = await startN8n(n8n);

	// n8n's editor marks elements with data-test-id.
	selectors.setTestIdAttribute('data-test-id');
	browser = await chromium.launch({
		executablePath: chromiumPath,
		headless: true,
		chromiumSandbox: false,
		args: ['--disable-background-networking', '--disable-component-update'],
	});
	page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
	// Loopback only: anything else the editor asks for is refused, not fetched.
	await page.route(
		(url) => url.hostname !== '127.0.0.1',
		(route) => route.abort(),
	);
});

afterAll(async () => {
	await browser?.close();
	await running?.stop();
	await simulator.close();
	rmSync(workFolder, { recursive: true, force: true });
});

const shot = async (name: string) =>
	await page.screenshot({ path: join(screenshots, `${name}.png`), animations: 'disabled' });

describe('n8n 2.41.1 (n8n start): credential test and editor', () => {
	test('the owner is set up through the browser', async () => {
		await page.goto(n8n.url);
		await page.waitForURL(/\/setup/);
		await page.getByTestId('email').locator('input').fill(owner.email);
		await page.getByTestId('firstName').locator('input').fill(owner.firstName);
		await page.getByTestId('lastName').locator('input').fill(owner.lastName);
		await page.getByTestId('password').locator('input').fill(owner.password);
		await page.getByTestId('form-submit-button').click();
		await page.waitForURL((url) => !url.pathname.startsWith('/setup'));

		const me = await page.request.get(`${n8n.url}/rest/login`, {
			headers: {
				'browser-id': await page.evaluate(() => localStorage.getItem('n8n-browserId') ?? ''),
			},
		});
		expect(me.status()).toBe(200);
		expect((await me.json()).data).toMatchObject({ email: owner.email, role: 'global:owner' });
	});

	test('the credential test answers OK for the simulator key and names a wrong key', async () => {
		const login = await fetch(`${n8n.url}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'browser-id': browserId },
			body: JSON.stringify({ emailOrLdapLoginId: owner.email, password: owner.password }),
		});
		expect(login.status).toBe(200);
		const cookie = login.headers.getSetCookie().find((value) => value.startsWith('n8n-auth='))!;
		const rest = async (path: string, body?: object) => {
			const response = await fetch(`${n8n.url}/rest${path}`, {
				method: body ? 'POST' : 'GET',
				headers: {
					cookie: cookie.split(';')[0],
					'browser-id': browserId,
					'content-type': 'application/json',
				},
				body: body && JSON.stringify(body),
			});
			expect(response.status).toBe(200);
			return ((await response.json()) as { data: Record<string, unknown> }).data;
		};

		// What the credential dialog does: load the credential (the key comes back redacted), test it.
		const stored = await rest(`/credentials/${examplesCredential.id}?includeData=true`);
		const storedData = stored.data as Record<string, string>;
		expect(storedData.apiKey).not.toBe(simulator.apiKey);
		expect(storedData.baseUrl).toBe(simulator.baseUrl);
		const test = async (data: Record<string, string>) =>
			await rest('/credentials/test', {
				credentials: { ...examplesCredential, type: 'prunaApi', data },
			});

		simulator.reset();
		expect(await test(storedData)).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(await test({ ...storedData, apiKey: 'a-wrong-key' })).toEqual({
			status: 'Error',
			message:
				'Invalid API key: Pruna rejected it (HTTP 401). Copy the key again from the Pruna dashboard.',
		});
		// Each test reached the simulator with the key it was given; n8n 2.41 sends the failing probe
		// twice, so only the answers are counted on.
		const [good, ...wrong] = simulator.requestsTo(credentialTestPath);
		expect(good).toMatchObject({ status: 404, headers: { apikey: simulator.apiKey } });
		expect(wrong.length).toBeGreaterThan(0);
		for (const probe of wrong) {
			expect(probe).toMatchObject({ status: 401, headers: { apikey: 'a-wrong-key' } });
		}
	});

	test('the node panel finds the four Pruna nodes, each with its icon', async () => {
		await page.goto(`${n8n.url}/workflow/${exampleWorkflowId('text-to-image.json')}`);
		await page.getByTestId('canvas-node').nth(3).waitFor();
		expect(await page.getByTestId('canvas-node').count()).toBe(4);
		// The three Pruna nodes on the canvas show our icon once it has loaded.
		const canvasIcons = page.getByTestId('canvas-node').locator('img');
		await page.waitForFunction(
			`[...document.querySelectorAll('[data-test-id="canvas-node"] img')].every((image) => image.naturalWidth > 0)`,
		);
		expect(
			await canvasIcons.evaluateAll((images) => images.map((image) => image.getAttribute('src'))),
		).toEqual(Array(3).fill('/icons/n8n-nodes-pruna/dist/icons/pruna.svg'));
		await shot('example-workflow');

		await page.getByTestId('node-creator-plus-button').click();
		await page.getByTestId('node-creator-search-bar').fill('Pruna');
		const items = page.getByTestId('node-creator-node-item');
		await items.nth(3).waitFor();
		expect(await items.count()).toBe(4);
		const names = await page.getByTestId('node-creator-item-name').allInnerTexts();
		expect(names.map((name) => name.trim()).sort()).toEqual([
			'Pruna Create Prediction',
			'Pruna Download Content',
			'Pruna Get Prediction Status',
			'Pruna Upload File',
		]);
		for (const item of await items.all()) {
			// Each icon is ours, loaded and drawn: a broken image has no natural width.
			const icons = await item.locator('img').evaluateAll((images) =>
				images.map((image) => ({
					source: image.getAttribute('src'),
					width: (image as unknown as { naturalWidth: number }).naturalWidth,
				})),
			);
			expect(icons.length).toBeGreaterThan(0);
			for (const icon of icons) {
				expect(icon.source).toBe('/icons/n8n-nodes-pruna/dist/icons/pruna.svg');
				expect(icon.width).toBeGreaterThan(0);
			}
		}
		for (const icon of ['pruna.svg', 'pruna.dark.svg']) {
			const response = await page.request.get(
				`${n8n.url}/icons/n8n-nodes-pruna/dist/icons/${icon}`,
			);
			expect(response.status()).toBe(200);
			expect(response.headers()['content-type']).toMatch(/^image\/svg\+xml/);
		}
		await shot('node-panel-search');
	});

	test('a new Create Prediction node offers every model of the catalog, grouped by task', async () => {
		await page
			.getByTestId('node-creator-node-item')
			.filter({ hasText: 'Pruna Create Prediction' })
			.click();
		await page.getByRole('button', { name: 'Add to workflow' }).click();
		await page.getByTestId('ndv').waitFor();
		// The only Pruna credential is picked by itself.
		expect(await page.getByTestId('node-credentials-select').locator('input').inputValue()).toBe(
			'Pruna API',
		);

		await page.getByTestId('parameter-input-model').click();
		// Only the open list's options are visible; other selects keep theirs hidden in the page.
		const options = page.getByRole('option');
		await options.first().waitFor();
		const shown = await options.evaluateAll((elements) =>
			elements.map(
				(element) => element.querySelector('.option-headline')?.textContent?.trim() ?? '',
			),
		);
		expect(shown).toEqual(modelOptions.map((option) => option.name));
		expect(shown).toContain('Text to Image: p-image');
		expect(shown).toContain('Video: p-video');
		expect(shown).toHaveLength(25); // 24 models and Custom Model
		expect(shown[shown.length - 1]).toBe('Custom Model');
		await shot('create-prediction-models');
	});

	test('the text-to-image example runs from the editor; its PNG downloads byte for byte', async () => {
		const workflowPage = `${n8n.url}/workflow/${exampleWorkflowId('text-to-image.json')}`;
		await page.goto(workflowPage);
		const before = simulator.predictions.size;
		await page.getByTestId('execute-workflow-button').click();
		// All four nodes report success on the canvas.
		await page.getByTestId('canvas-node-status-success').nth(3).waitFor({ timeout: 60_000 });
		expect(await page.getByTestId('canvas-node-status-success').count()).toBe(4);
		expect(simulator.predictions.size).toBe(before + 1);
		const [prediction] = [...simulator.predictions.values()].slice(-1);
		const fileName = prediction.deliveryPath.split('/').pop()!;

		await page
			.locator('[data-test-id="canvas-node"][data-node-name="Pruna Download Content"]')
			.dblclick();
		const binary = page.getByTestId('ndv-binary-data_0');
		await binary.waitFor();
		const shown = await binary.innerText();
		expect(shown).toContain(fileName);
		expect(shown).toContain('image/png');
		await shot('run-from-editor');

		// The editor's Download button serves the stored file: the simulator's bytes, unchanged.
		const [download] = await Promise.all([
			page.waitForEvent('download'),
			page.getByTestId('ndv-download-binary-data').click(),
		]);
		expect(download.suggestedFilename()).toBe(fileName);
		const saved = join(workFolder, 'downloaded.png');
		await download.saveAs(saved);
		expect(sha256(readFileSync(saved))).toBe(
			sha256(simulator.contentBytes(prediction.deliveryPath)),
		);
	});
});
