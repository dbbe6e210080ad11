/**
 * Every text the nodes can put in an error's message or description, read from the TypeScript
 * sources of `nodes/` and `credentials/` with the compiler's API: the message and `description` of
 * each `new NodeApiError(…)` and `new NodeOperationError(…)`, each `.message =` or
 * `.description =` that rewrites one, and the messages of the credential test's rules. A
 * template's values are followed where the code fixes them (constants, conditionals, the arguments
 * a helper is called with, an object of texts looked up by key, the strings an array collects, the
 * returns of a function passed as an argument); what stays open (an ID, a URL, Pruna's own words)
 * becomes a gap. Each text is the list of its fixed parts, in order.
 */
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const root = resolve(__dirname, '../..');

/** A gap: a value only known when the node runs. */
const gap: unique symbol = Symbol('gap');
type Part = string | typeof gap;
type Text = Part[];
const gapText = (): Text[] => [[gap]];

export interface ErrorText {
	/** Where it is built, `path:line`. */
	at: string;
	kind: 'message' | 'description';
	/** Its fixed parts, in order (a gap between each two). */
	parts: string[];
}

/** Alternatives of one value multiply; past this many, each sub-value is listed on its own. */
const maxAlternatives = 16;
const maxDepth = 12;

function shippedProgram(): ts.Program {
	const configPath = join(root, 'tsconfig.json');
	const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
	const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(configPath));
	const files = parsed.fileNames.filter((file) => {
		const path = relative(root, file);
		return path.startsWith('nodes/') || path.startsWith('credentials/');
	});
	return ts.createProgram(files, { ...parsed.options, noEmit: true });
}

type FunctionLike = ts.SignatureDeclaration & { body?: ts.ConciseBody };

export function readNodeErrorTexts(): ErrorText[] {
	const program = shippedProgram();
	const checker = program.getTypeChecker();
	const sources = program
		.getSourceFiles()
		.filter((file) => !file.isDeclarationFile && !relative(root, file.fileName).startsWith('..'));

	const allNodes: ts.Node[] = [];
	for (const source of sources) {
		const walk = (node: ts.Node) => {
			allNodes.push(node);
			ts.forEachChild(node, walk);
		};
		walk(source);
	}

	const declarationOf = (node: ts.Node): ts.Declaration | undefined => {
		let symbol = checker.getSymbolAtLocation(node);
		if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
		return symbol?.valueDeclaration ?? symbol?.declarations?.[0];
	};

	/** The function a declaration names, when it names one. */
	const functionOfDeclaration = (declaration: ts.Node | undefined): FunctionLike | undefined => {
		if (!declaration) return undefined;
		if (ts.isFunctionDeclaration(declaration) || ts.isMethodDeclaration(declaration))
			return declaration;
		if (
			ts.isVariableDeclaration(declaration) &&
			declaration.initializer &&
			(ts.isArrowFunction(declaration.initializer) ||
				ts.isFunctionExpression(declaration.initializer))
		)
			return declaration.initializer;
		return undefined;
	};

	// Every call in the shipped code, by the function it calls.
	const callsOf = new Map<FunctionLike, ts.CallExpression[]>();
	for (const node of allNodes) {
		if (!ts.isCallExpression(node)) continue;
		const callee = functionOfDeclaration(declarationOf(node.expression));
		if (!callee) continue;
		callsOf.set(callee, [...(callsOf.get(callee) ?? []), node]);
	}

	const separate: Text[] = [];

	const union = (...lists: Text[][]): Text[] => lists.flat();
	const product = (left: Text[], right: Text[]): Text[] => {
		if (left.length * right.length > maxAlternatives) {
			separate.push(...right);
			right = [[gap]];
		}
		return left.flatMap((a) => right.map((b) => [...a, ...b]));
	};

	/** The expressions a parameter receives at its function's call sites. */
	const argumentsOf = (parameter: ts.ParameterDeclaration): ts.Expression[] => {
		const fn = parameter.parent as FunctionLike;
		const index = fn.parameters.indexOf(parameter);
		return (callsOf.get(fn) ?? []).flatMap((call) =>
			call.arguments[index] ? [call.arguments[index]] : [],
		);
	};

	/** The functions an expression may be (an arrow, a named function, a parameter given one). */
	const functionsOf = (expression: ts.Expression, depth: number): FunctionLike[] => {
		if (depth > maxDepth) return [];
		if (ts.isArrowFunction(expression) || ts.isFunctionExpression(expression)) return [expression];
		const declaration = declarationOf(expression);
		const named = functionOfDeclaration(declaration);
		if (named) return [named];
		if (declaration && ts.isParameter(declaration))
			return argumentsOf(declaration).flatMap((arg) => functionsOf(arg, depth + 1));
		return [];
	};

	const returnsOf = (fn: FunctionLike): ts.Expression[] => {
		if (!fn.body) return [];
		if (!ts.isBlock(fn.body)) return [fn.body];
		const found: ts.Expression[] = [];
		const walk = (node: ts.Node) => {
			if (ts.isReturnStatement(node) && node.expression) found.push(node.expression);
			if (!ts.isFunctionLike(node)) ts.forEachChild(node, walk);
		};
		ts.forEachChild(fn.body, walk);
		return found;
	};

	/** The values an object literal's property `name` is given where `type` is expected. */
	const propertyValues = (property: ts.Declaration, depth: number): Text[] => {
		const name = (property as ts.NamedDeclaration).name?.getText();
		if (!name) return [[gap]];
		const found: Text[] = [];
		for (const node of allNodes) {
			if (!ts.isPropertyAssignment(node) || node.name.getText() !== name) continue;
			// The generated catalog is data (a field's name in every model), not words of an error.
			if (node.getSourceFile().fileName.endsWith('.generated.ts')) continue;
			const type = checker.getContextualType(node.parent as ts.ObjectLiteralExpression);
			const types = type?.isUnion() ? type.types : type ? [type] : [];
			const matches = types.some((t) =>
				checker
					.getPropertyOfType(t, name)
					?.declarations?.some((declaration) => declaration === property),
			);
			if (matches) found.push(...texts(node.initializer, depth + 1));
		}
		// It may also be set where no type names it: then it is a value of the run too.
		return [...found, [gap]];
	};

	/**
	 * The strings an array may hold: a literal's elements, what is pushed onto its variable, the
	 * arrays a function it comes from returns (or a `flatMap` callback gives).
	 */
	const arrayTexts = (expression: ts.Expression, depth: number): Text[] => {
		if (depth > maxDepth) return [];
		const next = depth + 1;
		const element = (item: ts.Expression): Text[] =>
			ts.isSpreadElement(item) ? arrayTexts(item.expression, next) : texts(item, next);
		if (ts.isArrayLiteralExpression(expression)) return union(...expression.elements.map(element));
		if (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression))
			return arrayTexts(expression.expression, next);
		if (ts.isConditionalExpression(expression))
			return union(arrayTexts(expression.whenTrue, next), arrayTexts(expression.whenFalse, next));
		if (ts.isIdentifier(expression)) {
			const declaration = declarationOf(expression);
			if (!declaration || !ts.isVariableDeclaration(declaration)) return [];
			const pushed = allNodes.filter(
				(node): node is ts.CallExpression =>
					ts.isCallExpression(node) &&
					ts.isPropertyAccessExpression(node.expression) &&
					node.expression.name.text === 'push' &&
					declarationOf(node.expression.expression) === declaration,
			);
			return union(
				declaration.initializer ? arrayTexts(declaration.initializer, next) : [],
				...pushed.map((call) => union(...call.arguments.map(element))),
			);
		}
		if (ts.isCallExpression(expression)) {
			const callee = expression.expression;
			if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'flatMap') {
				const callbacks = expression.arguments[0] ? functionsOf(expression.arguments[0], next) : [];
				return union(...callbacks.flatMap(returnsOf).map((value) => arrayTexts(value, next)));
			}
			return union(
				...functionsOf(callee, next)
					.flatMap(returnsOf)
					.map((value) => arrayTexts(value, next)),
			);
		}
		return [];
	};

	/** An expression's possible texts, each as its fixed parts and gaps. */
	function texts(expression: ts.Expression, depth = 0): Text[] {
		if (depth > maxDepth) return [[gap]];
		const next = depth + 1;
		if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression))
			return [[expression.text || gap]];
		if (ts.isTemplateExpression(expression)) {
			let result: Text[] = [[expression.head.text]];
			for (const span of expression.templateSpans) {
				result = product(result, texts(span.expression, next));
				result = result.map((text) => [...text, span.literal.text]);
			}
			return result;
		}
		if (
			ts.isParenthesizedExpression(expression) ||
			ts.isAsExpression(expression) ||
			ts.isNonNullExpression(expression) ||
			ts.isAwaitExpression(expression)
		)
			return texts(expression.expression, next);
		if (ts.isConditionalExpression(expression))
			return union(texts(expression.whenTrue, next), texts(expression.whenFalse, next));
		if (ts.isBinaryExpression(expression)) {
			const operator = expression.operatorToken.kind;
			if (operator === ts.SyntaxKind.PlusToken)
				return product(texts(expression.left, next), texts(expression.right, next));
			if (
				operator === ts.SyntaxKind.QuestionQuestionToken ||
				operator === ts.SyntaxKind.BarBarToken
			)
				return union(texts(expression.left, next), texts(expression.right, next));
			return [[gap]];
		}
		if (ts.isIdentifier(expression) || ts.isShorthandPropertyAssignment(expression.parent)) {
			const declaration = ts.isShorthandPropertyAssignment(expression.parent)
				? checker.getShorthandAssignmentValueSymbol(expression.parent)?.valueDeclaration
				: declarationOf(expression);
			if (!declaration) return [[gap]];
			if (ts.isVariableDeclaration(declaration) && declaration.initializer)
				return texts(declaration.initializer, next);
			if (ts.isParameter(declaration))
				return union(...argumentsOf(declaration).map((arg) => texts(arg, next)));
			if (ts.isBindingElement(declaration)) {
				// `{ subject }` destructured from a parameter: the callers' object literals.
				const parameter = declaration.parent.parent;
				const key = (declaration.propertyName ?? declaration.name).getText();
				if (!ts.isParameter(parameter)) return [[gap]];
				return union(
					...argumentsOf(parameter).map((arg) => {
						if (!ts.isObjectLiteralExpression(arg)) return [[gap]] as Text[];
						const property = arg.properties.find((p) => p.name?.getText() === key);
						if (property && ts.isPropertyAssignment(property))
							return texts(property.initializer, next);
						if (property && ts.isShorthandPropertyAssignment(property))
							return texts(property.name, next);
						return [[gap]] as Text[];
					}),
				);
			}
			return [[gap]];
		}
		if (ts.isPropertyAccessExpression(expression)) {
			const declaration = declarationOf(expression.name);
			if (declaration && ts.isPropertyAssignment(declaration))
				return texts(declaration.initializer, next);
			if (declaration && ts.isPropertySignature(declaration) && expression.name.text !== 'message')
				return propertyValues(declaration, next);
			return [[gap]];
		}
		if (ts.isElementAccessExpression(expression)) {
			// A table of texts by key: any of its values.
			const declaration = declarationOf(expression.expression);
			if (
				declaration &&
				ts.isVariableDeclaration(declaration) &&
				declaration.initializer &&
				ts.isObjectLiteralExpression(declaration.initializer)
			)
				return union(
					...declaration.initializer.properties.map((property) =>
						ts.isPropertyAssignment(property) ? texts(property.initializer, next) : gapText(),
					),
				);
			return [[gap]];
		}
		if (ts.isCallExpression(expression)) {
			const callee = expression.expression;
			if (ts.isPropertyAccessExpression(callee)) {
				const method = callee.name.text;
				if (method === 'trim') return texts(callee.expression, next);
				if (method === 'join') {
					// Each element of the joined array is a text of its own.
					separate.push(...arrayTexts(callee.expression, next));
					return [[gap]];
				}
			}
			const returned = functionsOf(callee, next).flatMap(returnsOf);
			return returned.length ? union(...returned.map((value) => texts(value, next))) : [[gap]];
		}
		return [[gap]];
	}

	const found: Array<{ at: string; kind: ErrorText['kind']; text: Text }> = [];
	const collect = (at: ts.Node, kind: ErrorText['kind'], expression: ts.Expression | undefined) => {
		if (!expression) return;
		const source = at.getSourceFile();
		const line = source.getLineAndCharacterOfPosition(at.getStart()).line + 1;
		const where = `${relative(root, source.fileName)}:${line}`;
		separate.length = 0;
		const main = texts(expression);
		for (const text of [...main, ...separate]) found.push({ at: where, kind, text });
	};
	const optionNamed = (options: ts.Expression | undefined, name: string) => {
		if (!options || !ts.isObjectLiteralExpression(options)) return undefined;
		const property = options.properties.find((p) => p.name?.getText() === name);
		if (property && ts.isPropertyAssignment(property)) return property.initializer;
		if (property && ts.isShorthandPropertyAssignment(property)) return property.name;
		return undefined;
	};

	for (const node of allNodes) {
		if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) {
			const args = node.arguments ?? [];
			if (node.expression.text === 'NodeOperationError') {
				collect(node, 'message', args[1]);
				collect(node, 'description', optionNamed(args[2], 'description'));
			}
			if (node.expression.text === 'NodeApiError') {
				collect(node, 'message', optionNamed(args[2], 'message'));
				collect(node, 'description', optionNamed(args[2], 'description'));
			}
		}
		// The credential test's rules: the message the credential dialog shows for a status.
		if (
			ts.isPropertyAssignment(node) &&
			node.name.getText() === 'message' &&
			relative(root, node.getSourceFile().fileName).startsWith('credentials/')
		) {
			collect(node, 'message', node.initializer);
		}
		if (
			ts.isBinaryExpression(node) &&
			node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
			ts.isPropertyAccessExpression(node.left) &&
			['message', 'description'].includes(node.left.name.text)
		) {
			collect(node, node.left.name.text as ErrorText['kind'], node.right);
		}
	}

	const seen = new Set<string>();
	const result: ErrorText[] = [];
	for (const { at, kind, text } of found) {
		const parts = fixedParts(text);
		const key = `${kind}\u0000${parts.join('\u0000')}`;
		if (parts.length === 0 || seen.has(key)) continue;
		seen.add(key);
		result.push({ at, kind, parts });
	}
	return result;
}

/**
 * The fixed parts of a text worth finding in a guide: split at gaps and line breaks, trimmed, and
 * only those with three letters or more (not the `: ` between two values).
 */
function fixedParts(text: Text): string[] {
	const parts: string[] = [];
	let current = '';
	for (const part of text) {
		if (part === gap) {
			parts.push(current);
			current = '';
		} else current += part;
	}
	parts.push(current);
	return parts
		.flatMap((part) => part.split('\n'))
		.map((part) => part.trim())
		.filter((part) => (part.match(/[A-Za-z]/g) ?? []).length >= 3);
}
