// The churn benchmark's result as text.

export interface ChurnFigures {
  checksum: string;
  nsPerOp: number;
  opsPerSec: number;
}

export function renderChurn(r: ChurnFigures): string {
  return `checksum ${r.checksum}\n${r.nsPerOp.toFixed(2)} ns/op, ${(r.opsPerSec / 1e6).toFixed(2)} M ops/s\n`;
}
