const crypto = require('crypto');
const out = [];
const edge = [0, -0, 1, -1, 0.1, 0.2, 0.3, 0.1+0.2, 1e21, 1e-7, 1e-6, 123e-20, 1e20, 123456789012345680000, 2**53, 2**53+2,
  -(2**53), 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, 2e23, 9007199254740993, 4.35, 0.000001, 1.5e300,
  100, 1234.5678, -0.25, 3.14159, 1/3, 2/3, 1e-300, 123456.789e3, 8.41e21, 2**-1074, 2**1023, 0.07, 9.95, 99.99];
for (const x of edge) out.push(x);
const buf = Buffer.alloc(8);
while (out.length < 3000) {
  crypto.randomFillSync(buf);
  const x = buf.readDoubleLE(0);
  if (Number.isFinite(x)) out.push(x);
}
for (let i = 0; i < 1000; i++) { out.push(Math.round(Math.random() * 1e6) / 100); out.push(Math.random() * 1000); }
// bits as hex so Java reads the exact double
for (const x of out) { buf.writeDoubleBE(x, 0); console.log(buf.toString('hex') + ' ' + String(x)); }
