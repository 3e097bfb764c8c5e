// Stands in for node_modules/zeromq/lib/load-addon.js in the single executable's bundle
// (build-sea.mjs swaps it in). The package's own loader (cmake-ts) looks for the addon under
// node_modules/zeromq/build/, which an executable with no node_modules beside it does not have;
// this one loads the addon the build chose and shipped, and nothing else:
//
// 1. <executable's dir>/../lib/misp-enrich-agent/zeromq.node when it exists: the .deb installs
//    /usr/lib/misp-enrich-agent/zeromq.node beside /usr/bin/misp-enrich-agent, so the packaged
//    agent never writes executable code anywhere (hardened hosts mount /tmp noexec, and the unit
//    has PrivateTmp= and ProtectSystem=strict). The file must be the very addon this executable
//    was built with (its sha256 is built in): an addon of another build is refused, not loaded.
// 2. Else the copy inside the executable (a SEA asset), written to a fresh 0700 directory under
//    TMPDIR (else /tmp), loaded with process.dlopen, as Node's SEA documentation describes for
//    native addons, and removed at once (the loaded mapping outlives the file).
//
// A failure says where it looked and what to do; zmq-feed.ts turns it into MISP_ENRICH_AGENT_ZMQ.
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/* global __ZEROMQ_ADDON_SHA256__ */
const EXPECTED_SHA256 = __ZEROMQ_ADDON_SHA256__;
const ASSET = 'zeromq.node';

function besideExecutable() {
  let exe = process.execPath;
  try {
    exe = fs.realpathSync(exe);
  } catch {
    // The path as started is still a fair place to look.
  }
  return path.join(path.dirname(exe), '..', 'lib', 'misp-enrich-agent', 'zeromq.node');
}

function dlopen(file) {
  const module = { exports: {} };
  process.dlopen(module, file);
  return module.exports;
}

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

function loadShipped(file) {
  const digest = sha256(fs.readFileSync(file));
  if (digest !== EXPECTED_SHA256) {
    throw new Error(`${file} is not the zeromq addon this executable was built with (sha256 ${digest.slice(0, 12)}…, expected ${EXPECTED_SHA256.slice(0, 12)}…): reinstall the package, or remove the file to use the copy inside the executable`);
  }
  return dlopen(file);
}

function loadEmbedded(shipped) {
  const sea = require('node:sea');
  if (!sea.isSea()) throw new Error(`no ${shipped} and not running as the single executable`);
  const bytes = new Uint8Array(sea.getRawAsset(ASSET));
  if (sha256(bytes) !== EXPECTED_SHA256) throw new Error(`the ${ASSET} asset inside the executable is damaged (sha256 differs)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'misp-enrich-agent-zmq-'));
  try {
    const file = path.join(dir, ASSET);
    fs.writeFileSync(file, bytes, { mode: 0o500 });
    try {
      return dlopen(file);
    } catch (err) {
      throw new Error(
        `cannot load the zeromq addon written to ${dir} (${err && err.message ? err.message.split('\n')[0] : String(err)}): ` +
          `if ${os.tmpdir()} is mounted noexec, set TMPDIR to a directory that allows execution, or install zeromq.node at ${shipped}`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function loadAddon() {
  const shipped = besideExecutable();
  return fs.existsSync(shipped) ? loadShipped(shipped) : loadEmbedded(shipped);
}

Object.defineProperty(exports, '__esModule', { value: true });
exports.default = loadAddon();
