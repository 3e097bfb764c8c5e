package io.mispenrich.logstash.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The shell's half of plugin/core/wire.ts (the core's half and the round trips: spec/core/wire.spec.ts). */
class WireTest {

    @Test
    void writesItemsAfterAPlainHeader() {
        String text = new WireRequest(0).addOptional(null).addOptional("m").add("ip").add(2).add("10.0.0.1").add("").text();
        assertEquals("w1p\u0000-\u0000=m\u0000ip\u00002\u000010.0.0.1\u0000", text);
    }

    @Test
    void escapesTheSeparatorAndTheEscapeAndSaysSoInTheHeader() {
        String text = new WireRequest(0).add("a\u0000b").addOptional("\u0001").text();
        assertEquals("w1e\u0000a\u00010b\u0000=\u00011", text);
    }

    @Test
    void readsAKeysAnswerValueByValue() {
        // Keys may hold any printable character but a space, quotes and backslashes included.
        KeysAnswer a = new KeysAnswer("me1:24|\nk1 k2\n\u0000\n\nk\"q\\\nx\\y z");
        assertEquals("me1:24|", a.plan());
        assertArrayEquals(new String[] {"k1", "k2"}, a.next());
        assertNull(a.next());
        assertSame(KeysAnswer.NONE, a.next());
        assertArrayEquals(new String[] {"k\"q\\"}, a.next());
        assertArrayEquals(new String[] {"x\\y", "z"}, a.next());
        a.requireDone();
        // The last value with nothing to look up is the empty line after the last separator.
        KeysAnswer trailing = new KeysAnswer("plan\nk\n");
        assertArrayEquals(new String[] {"k"}, trailing.next());
        assertSame(KeysAnswer.NONE, trailing.next());
        trailing.requireDone();
    }

    @Test
    void refusesAnAnswerWithValuesLeftOverOrMissing() {
        KeysAnswer more = new KeysAnswer("plan\nk\nk2");
        more.next();
        assertThrows(IllegalStateException.class, more::requireDone);
        KeysAnswer fewer = new KeysAnswer("plan");
        assertThrows(IllegalStateException.class, fewer::next);
        fewer.requireDone();
    }
}
