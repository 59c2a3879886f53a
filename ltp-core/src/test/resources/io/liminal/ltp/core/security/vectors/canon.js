// Upstream algorithm: sort keys recursively, then JSON.stringify.
function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') { const o = {}; for (const k of Object.keys(v).sort()) o[k] = sortKeys(v[k]); return o; }
  return v;
}
function signingInput(e) {
  return sortKeys({type: e.type, thread_id: e.thread_id || '', session_id: e.session_id || '', timestamp: e.timestamp,
    nonce: e.nonce, payload: e.payload, prev_message_hash: e.prev_message_hash || '', meta: e.meta || {},
    content_encoding: e.content_encoding || ''});
}
const fs = require('fs');
const e = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
process.stdout.write(JSON.stringify(signingInput(e)));
