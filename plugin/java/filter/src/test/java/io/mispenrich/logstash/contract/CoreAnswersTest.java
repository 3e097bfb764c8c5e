package io.mispenrich.logstash.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.mispenrich.logstash.contract.CoreAnswers.FinishResponse;
import io.mispenrich.logstash.contract.CoreAnswers.MatchResponse;
import io.mispenrich.logstash.json.Json;

/** The generated decoders read the core's answers into records, and name what differs when an answer is malformed. */
class CoreAnswersTest {

    @Test
    void readsAFinishAnswer() {
        FinishResponse r = FinishResponse.decode(Json.parse("{\"changes\":[{\"index\":2,\"append\":[[\"[threat][enrichments]\",[{\"a\":1}]]],"
                + "\"set\":[[\"[x]\",\"y\"]],\"tags\":[\"t\"],\"matched\":true}],"
                + "\"stats\":{\"hits\":1,\"matched_events\":1,\"fetch_failures\":0,\"bad_values\":0},\"attributes\":[[\"u-1\",\"9001\",3]]}"));
        assertEquals(2, r.changes().get(0).index());
        assertEquals("[threat][enrichments]", r.changes().get(0).eventEdit().append().get(0).fieldRef());
        assertEquals(List.of("t"), r.changes().get(0).tags());
        assertEquals("y", r.changes().get(0).set().get(0).value());
        assertEquals(0, r.stats().expired(), "an optional count absent is 0");
        assertEquals(3, r.attributes().get(0).events());
    }

    @Test
    void readsAMatchAnswerWithoutResult() {
        MatchResponse m = MatchResponse.decode(Json.parse("{\"event_ids\":[\"1\",\"partner:9001\"]}"));
        assertEquals(List.of("1", "partner:9001"), m.eventIds());
        assertNull(m.result());
    }

    @Test
    void namesTheFieldOfAMalformedAnswerWithoutItsValue() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> FinishResponse.decode(Json.parse("{\"changes\":\"secret-value\",\"stats\":{},\"attributes\":[]}")));
        assertEquals("MISP_ENRICH_PROTOCOL: the core's answer does not have the contract's shape: FinishResponse.changes should be an array, is a string",
                e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> MatchResponse.decode(Json.parse("{\"event_ids\":[1]}")));
        assertTrue(e.getMessage().contains("MatchResponse.event_ids should be a string, is a whole number"), e.getMessage());
    }
}
