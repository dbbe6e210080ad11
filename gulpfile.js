const path = require('path');
const { task, src, dest } = require('gulp');

// tsc compiles the TypeScript; the icons the node and credential descriptions point at are copied here.
task('build:icons', copyIcons);

function copyIcons() {
	const nodeIcons = src(path.resolve('nodes', '**', '*.{png,svg}'));
	nodeIcons.pipe(dest(path.resolve('dist', 'nodes')));

	return src(path.resolve('icons', '*.{png,svg}')).pipe(dest(path.resolve('dist', 'icons')));
}
