// Computes the CIDv0 of each vector file with ipfs-unixfs-importer, go-ipfs defaults (profile unixfs-v0-2015:
// CIDv0, dag-pb leaves of UnixFS type file, 262144-byte chunks, balanced DAG of at most 174 links).
import { importer } from 'ipfs-unixfs-importer'
import { MemoryBlockstore } from 'blockstore-core/memory'

// xorshift32 generator: state = seed (non-zero); per step x ^= x << 13, x ^= x >>> 17, x ^= x << 5 (mod 2^32),
// emitting the new state's 4 bytes little-endian; the file is the first `size` bytes of that stream.
function* generate (seed, size) {
  let x = seed >>> 0
  let left = size
  const piece = 1 << 20
  while (left > 0) {
    const n = Math.min(piece, left)
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i += 4) {
      x ^= x << 13; x >>>= 0
      x ^= x >>> 17
      x ^= x << 5; x >>>= 0
      out[i] = x & 0xff
      if (i + 1 < n) out[i + 1] = (x >>> 8) & 0xff
      if (i + 2 < n) out[i + 2] = (x >>> 16) & 0xff
      if (i + 3 < n) out[i + 3] = (x >>> 24) & 0xff
    }
    left -= n
    yield out
  }
}

const cases = [
  { name: 'empty', text: '' },
  { name: 'hello world', text: 'hello world' },
  { name: 'one byte', seed: 1, size: 1 },
  { name: '127 bytes', seed: 1, size: 127 },
  { name: '128 bytes', seed: 1, size: 128 },
  { name: '16384 bytes', seed: 1, size: 16384 },
  { name: 'one chunk', seed: 1, size: 262144 },
  { name: 'one chunk + 1', seed: 1, size: 262145 },
  { name: 'two chunks', seed: 5, size: 524288 },
  { name: '5 MiB', seed: 2, size: 5 * 1048576 },
  { name: '174 chunks', seed: 3, size: 174 * 262144 },
  { name: '174 chunks + 1', seed: 3, size: 174 * 262144 + 1 },
  { name: '50 MiB', seed: 4, size: 50 * 1048576 }
]

const results = []
for (const c of cases) {
  const content = c.text !== undefined ? [new TextEncoder().encode(c.text)] : generate(c.seed, c.size)
  const bs = new MemoryBlockstore()
  let cid
  for await (const entry of importer([{ content }], bs, {
    profile: 'unixfs-v0-2015', cidVersion: 0, rawLeaves: false, leafType: 'file', reduceSingleLeafToSelf: true
  })) cid = entry.cid.toString()
  const r = { name: c.name }
  if (c.text !== undefined) r.text = c.text; else { r.generator = 'xorshift32'; r.seed = c.seed; r.size = c.size }
  r.cid = cid
  results.push(r)
  console.error(c.name, cid)
}
console.log(JSON.stringify(results, null, 2))
