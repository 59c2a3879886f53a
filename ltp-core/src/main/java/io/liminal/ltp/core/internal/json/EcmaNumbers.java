package io.liminal.ltp.core.internal.json;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Formats doubles exactly as ECMAScript's {@code Number::toString} does (what {@code JSON.stringify} prints):
 * the shortest decimal that reads back as the same double, plain digits for exponents up to 21, exponent form
 * ({@code 1e+21}, {@code 1e-7}) outside. Needed by canonical JSON (§11.3 rule 4); JDK 17's
 * {@code Double.toString} is neither that format nor always shortest.
 */
public final class EcmaNumbers {
    private static final double MAX_SAFE_INTEGER = 9007199254740991d;

    private EcmaNumbers() {
    }

    /** The ECMAScript text of {@code value}; NaN and infinities print as {@code null} like JSON.stringify. */
    public static String format(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "null";
        }
        if (value == 0) {
            return "0"; // also -0
        }
        if (value == Math.rint(value) && Math.abs(value) <= MAX_SAFE_INTEGER) {
            return Long.toString((long) value);
        }
        BigDecimal shortest = shortest(value).stripTrailingZeros();
        String digits = shortest.unscaledValue().abs().toString();
        int k = digits.length();
        int n = k - shortest.scale();
        StringBuilder out = new StringBuilder(k + 8);
        if (value < 0) {
            out.append('-');
        }
        if (k <= n && n <= 21) {
            out.append(digits);
            out.append("0".repeat(n - k));
        } else if (0 < n && n <= 21) {
            out.append(digits, 0, n).append('.').append(digits, n, k);
        } else if (-6 < n && n <= 0) {
            out.append("0.").append("0".repeat(-n)).append(digits);
        } else {
            int exponent = n - 1;
            out.append(digits.charAt(0));
            if (k > 1) {
                out.append('.').append(digits, 1, k);
            }
            out.append('e').append(exponent < 0 ? '-' : '+').append(Math.abs(exponent));
        }
        return out.toString();
    }

    /**
     * The decimal with the fewest significant digits that reads back as {@code value}; among those, the one
     * closest to the exact binary value (ties to an even last digit).
     */
    private static BigDecimal shortest(double value) {
        BigDecimal exact = new BigDecimal(value);
        for (int precision = 1; precision <= 17; precision++) {
            BigDecimal rounded = exact.round(new MathContext(precision, RoundingMode.HALF_EVEN));
            // Next to a power of two the round-trip interval is lopsided: a neighbour of the nearest candidate
            // can read back correctly when the nearest does not.
            BigDecimal unit = BigDecimal.ONE.scaleByPowerOfTen(-rounded.scale());
            BigDecimal best = null;
            for (BigDecimal candidate : new BigDecimal[] {rounded, rounded.subtract(unit), rounded.add(unit)}) {
                if (candidate.signum() == 0 || candidate.stripTrailingZeros().precision() > precision
                        || candidate.doubleValue() != value) {
                    continue;
                }
                if (best == null) {
                    best = candidate;
                    continue;
                }
                int closer = candidate.subtract(exact).abs().compareTo(best.subtract(exact).abs());
                if (closer < 0 || closer == 0 && !candidate.unscaledValue().testBit(0)) {
                    best = candidate;
                }
            }
            if (best != null) {
                return best;
            }
        }
        return exact.round(MathContext.DECIMAL64);
    }
}
