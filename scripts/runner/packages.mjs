// Which dependencies go into the dependency bundle. Anything else is loaded by Node as usual: tools
// that read their own files at run time (esbuild, typescript, cdk8s-cli) or resolve plugins by name
// (@secretlint/config-loader) would break inside a bundle.
export const BUNDLED_PACKAGES = ['cdk8s', 'cdk8s-plus-32', 'constructs', 'yaml', 'zod', 'ipaddr.js', '@secretlint/core', '@secretlint/profiler', '@secretlint/secretlint-rule-preset-recommend'];

/** `cdk8s-plus-32` for `cdk8s-plus-32/lib/x`, `@scope/name` for `@scope/name/x`. */
export const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
export const isBundledPackage = (specifier) => BUNDLED_PACKAGES.includes(packageOf(specifier));
