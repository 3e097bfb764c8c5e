package io.mispenrich.harness;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

/**
 * JSON in and out. Events are read as Logstash's Event.fromJson reads them (a plain Jackson
 * mapper: integers past 64 bits kept as big integers, a repeated key's last value wins, an array
 * of objects is one event per object) and written with Logstash's form of a timestamp. The
 * settings file is read strictly (a repeated option is an error, every integer a Long, as the
 * pipeline parser types it).
 */
final class Ndjson {

    private static final ObjectMapper EVENTS = JsonMapper.builder()
            .addModule(new SimpleModule().addSerializer(Instant.class, new StdSerializer<>(Instant.class) {
                @Override
                public void serialize(Instant value, com.fasterxml.jackson.core.JsonGenerator gen,
                                      com.fasterxml.jackson.databind.SerializerProvider provider) throws java.io.IOException {
                    gen.writeString(Timestamps.print(value));
                }
            }))
            .build();

    private static final ObjectMapper SETTINGS = JsonMapper.builder()
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private Ndjson() {
    }

    /** The events of one line: an object is one, an array of objects one each. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> readEvents(String line) throws JsonProcessingException {
        Object parsed = EVENTS.readValue(line, Object.class);
        List<Map<String, Object>> out = new ArrayList<>();
        if (parsed instanceof Map<?, ?> m) {
            out.add((Map<String, Object>) m);
        } else if (parsed instanceof List<?> l && l.stream().allMatch(x -> x instanceof Map<?, ?>)) {
            l.forEach(x -> out.add((Map<String, Object>) x));
        } else {
            throw new IllegalArgumentException("each NDJSON line must be a JSON object or an array of objects");
        }
        return out;
    }

    /** A settings file: one JSON object. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> readObject(String text) throws JsonProcessingException {
        Object parsed = SETTINGS.readValue(text, Object.class);
        if (!(parsed instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("the settings must be a JSON object");
        }
        return new LinkedHashMap<>((Map<String, Object>) parsed);
    }

    static String write(Object value) {
        try {
            return EVENTS.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
