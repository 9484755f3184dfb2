const Hash = require('ipfs-only-hash')
function gen(seed, size){ const out=Buffer.alloc(size); let x=seed>>>0; for(let i=0;i<size;i+=4){x^=x<<13;x>>>=0;x^=x>>>17;x^=x<<5;x>>>=0; for(let k=0;k<4&&i+k<size;k++) out[i+k]=(x>>>(8*k))&0xff;} return out }
;(async()=>{ const v=require('./vectors.json').vectors
for (const c of v){ const data = c.text!==undefined? Buffer.from(c.text): gen(c.seed,c.size); const h=await Hash.of(data); console.log(h===c.cid?'same':'DIFF', c.name, h) } })()
