package io.mispenrich.logstash.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The hand-written JSON codec of the shell: what it reads, what it writes, what it refuses. */
class JsonTest {

    @Test
    void readsEveryJsonTypeAsLogstashStoresIt() {
        Object v = Json.parse(" {\"s\":\"a\\\"b\\\\c\\u00e9\\n\",\"i\":42,\"big\":123456789012345678901234,\"d\":1.5e3,"
                + "\"t\":true,\"f\":false,\"n\":null,\"a\":[1,[2],{}]} ");
        Map<?, ?> m = assertInstanceOf(Map.class, v);
        assertEquals("a\"b\\cé\n", m.get("s"));
        assertEquals(42L, m.get("i"));
        assertEquals(new BigInteger("123456789012345678901234"), m.get("big"));
        assertEquals(1500.0, m.get("d"));
        assertEquals(Boolean.TRUE, m.get("t"));
        assertEquals(Boolean.FALSE, m.get("f"));
        assertTrue(m.containsKey("n"));
        assertEquals(Arrays.asList(1L, List.of(2L), Map.of()), m.get("a"));
    }

    @Test
    void keepsTheOrderOfKeys() {
        Map<?, ?> m = (Map<?, ?>) Json.parse("{\"z\":1,\"a\":2,\"m\":3}");
        assertEquals(List.of("z", "a", "m"), List.copyOf(m.keySet()));
    }

    @Test
    void refusesWhatIsNotJson() {
        for (String bad : List.of("", "{", "[1,]", "{\"a\":1,}", "01x", "\"unterminated", "\"\\x\"", "{\"a\" 1}", "[1] 2",
                "\"a\u0001b\"", "nul", "[" + "[".repeat(600) + "]".repeat(601))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("MISP_ENRICH_JSON: "), e.getMessage());
        }
    }

    @Test
    void writesWhatItReadsBack() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", "line\nbreak \"quoted\" \\ tab\t \u2028 \u0007 é 😀");
        m.put("lone", "x\ud800y");
        m.put("n", 3L);
        m.put("d", 2.0);
        m.put("list", List.of(true, false));
        m.put("null", null);
        String json = Json.write(m);
        assertTrue(json.contains("\\u2028") && json.contains("\\u0007"), json);
        assertEquals(m, Json.parse(json));
    }

    @Test
    void givesEachArrayElementWithTheTextItCameFrom() {
        String body = "{\"x\":{\"response\":[9]},\"response\":[ {\"Event\": {\"id\": \"1\", \"info\": \"a\\u00e9\"}} ,{\"Event\":{\"id\":2}} ],\"z\":1}";
        List<Json.Sourced> items = Json.arrayElements(body, "response");
        assertEquals(2, items.size());
        assertEquals("{\"Event\": {\"id\": \"1\", \"info\": \"a\\u00e9\"}}", items.get(0).text());
        assertEquals(Map.of("Event", Map.of("id", 2L)), items.get(1).value());
        assertEquals(List.of(), Json.arrayElements("[]", "response"));
        assertEquals("{}", Json.arrayElements("[{}]", "response").get(0).text());
        assertThrows(IllegalArgumentException.class, () -> Json.arrayElements("{\"other\":[]}", "response"));
        assertThrows(IllegalArgumentException.class, () -> Json.arrayElements("{\"response\":[1,]}", "response"));
        assertThrows(IllegalArgumentException.class, () -> Json.arrayElements("[1] trailing", "response"));
    }
}
