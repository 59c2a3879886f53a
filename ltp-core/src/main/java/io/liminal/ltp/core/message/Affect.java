package io.liminal.ltp.core.message;

/**
 * The numeric reading of {@code meta.affect}: valence (-1 negative ... 1 positive) and arousal (-1 calm ...
 * 1 excited). Informational only: LTP never range-checks these (LTP-ENV-003).
 *
 * @param valence {@code affect.valence}
 * @param arousal {@code affect.arousal}
 */
public record Affect(double valence, double arousal) {
}
