package io.mispenrich.harness;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

/** NDJSON in and out, with Logstash's JSON form of a timestamp. */
final class Ndjson {

    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .addModule(new SimpleModule().addSerializer(Instant.class, new StdSerializer<>(Instant.class) {
                @Override
                public void serialize(Instant value, com.fasterxml.jackson.core.JsonGenerator gen,
                                      com.fasterxml.jackson.databind.SerializerProvider provider) throws java.io.IOException {
                    gen.writeString(timestamp(value));
                }
            }))
            .build();

    private Ndjson() {
    }

    /** As Logstash prints @timestamp: milliseconds always, finer digits only when present. */
    static String timestamp(Instant t) {
        if (t == null) {
            return "";
        }
        return t.getNano() % 1_000_000 == 0 ? MILLIS.format(t) : t.toString();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> readObject(String line) throws JsonProcessingException {
        Object parsed = MAPPER.readValue(line, Object.class);
        if (!(parsed instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("each NDJSON line must be a JSON object");
        }
        return new LinkedHashMap<>((Map<String, Object>) parsed);
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
