package io.liminal.ltp.core.codec;

/**
 * Size limits of spec §10, each configurable. Receivers must accept anything within the defaults
 * (LTP-LIM-001), so lowering them breaks conformance; raising them is allowed.
 *
 * <ul>
 *   <li>{@link #maxMessageBytes()}: UTF-8 bytes of a reassembled message (default 1,048,576).</li>
 *   <li>{@link #maxPayloadDepth()}: nesting of {@code payload}; {@code payload} itself is depth 1 (default 10).</li>
 *   <li>{@link #maxStringBytes()}: UTF-8 bytes of one string value or key (default 65,536); TOON
 *       {@code payload.data} is exempt .</li>
 *   <li>{@link #maxNestingDepth()}: a hard cap on nesting anywhere in a message (default 64). Parsing stops at
 *       once beyond it, so hostile input cannot make the decoder work through thousands of levels.</li>
 * </ul>
 */
public final class Limits {
    /** Spec default: 1 MiB. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;
    /** Spec default. */
    public static final int DEFAULT_MAX_PAYLOAD_DEPTH = 10;
    /** Spec default: 64 KiB. */
    public static final int DEFAULT_MAX_STRING_BYTES = 65_536;
    /** Our hard cap on nesting anywhere in a message. */
    public static final int DEFAULT_MAX_NESTING_DEPTH = 64;

    private static final Limits DEFAULTS = builder().build();

    private final int maxMessageBytes;
    private final int maxPayloadDepth;
    private final int maxStringBytes;
    private final int maxNestingDepth;

    private Limits(Builder builder) {
        this.maxMessageBytes = builder.maxMessageBytes;
        this.maxPayloadDepth = builder.maxPayloadDepth;
        this.maxStringBytes = builder.maxStringBytes;
        this.maxNestingDepth = builder.maxNestingDepth;
    }

    /** The spec's limits. */
    public static Limits defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these limits. */
    public Builder toBuilder() {
        return new Builder()
                .maxMessageBytes(maxMessageBytes)
                .maxPayloadDepth(maxPayloadDepth)
                .maxStringBytes(maxStringBytes)
                .maxNestingDepth(maxNestingDepth);
    }

    /** Maximum UTF-8 bytes of one message. */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** Maximum nesting depth of {@code payload} ({@code payload} itself is 1). */
    public int maxPayloadDepth() {
        return maxPayloadDepth;
    }

    /** Maximum UTF-8 bytes of one string value or key. */
    public int maxStringBytes() {
        return maxStringBytes;
    }

    /** Hard cap on nesting anywhere in a message (the root object is depth 0). */
    public int maxNestingDepth() {
        return maxNestingDepth;
    }

    @Override
    public String toString() {
        return "Limits{maxMessageBytes=" + maxMessageBytes + ", maxPayloadDepth=" + maxPayloadDepth
                + ", maxStringBytes=" + maxStringBytes + ", maxNestingDepth=" + maxNestingDepth + '}';
    }

    /** Builds {@link Limits}; every value must be positive. */
    public static final class Builder {
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private int maxPayloadDepth = DEFAULT_MAX_PAYLOAD_DEPTH;
        private int maxStringBytes = DEFAULT_MAX_STRING_BYTES;
        private int maxNestingDepth = DEFAULT_MAX_NESTING_DEPTH;

        private Builder() {
        }

        /** Sets the message size limit in bytes. */
        public Builder maxMessageBytes(int bytes) {
            this.maxMessageBytes = positive("maxMessageBytes", bytes);
            return this;
        }

        /** Sets the payload depth limit. */
        public Builder maxPayloadDepth(int depth) {
            this.maxPayloadDepth = positive("maxPayloadDepth", depth);
            return this;
        }

        /** Sets the string size limit in bytes. */
        public Builder maxStringBytes(int bytes) {
            this.maxStringBytes = positive("maxStringBytes", bytes);
            return this;
        }

        /** Sets the hard nesting cap; must be at least the payload depth limit. */
        public Builder maxNestingDepth(int depth) {
            this.maxNestingDepth = positive("maxNestingDepth", depth);
            return this;
        }

        /** The limits. */
        public Limits build() {
            if (maxNestingDepth < maxPayloadDepth) {
                throw new IllegalArgumentException("maxNestingDepth (" + maxNestingDepth
                        + ") must be at least maxPayloadDepth (" + maxPayloadDepth + ")");
            }
            return new Limits(this);
        }

        private static int positive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be positive but was " + value);
            }
            return value;
        }
    }
}
