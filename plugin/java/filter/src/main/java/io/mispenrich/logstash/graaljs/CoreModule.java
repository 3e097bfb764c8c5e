package io.mispenrich.logstash.graaljs;

import org.graalvm.polyglot.HostAccess;

/**
 * Java mirror of the global {@code MispEnrichCore} the bundle defines. Only strings cross the
 * boundary: every argument and result is a String (JSON where structured), so the sandbox needs
 * no host access and no polyglot Value escapes {@link CoreRuntime}.
 */
// Implementable: the one permission the default (EXPLICIT) host access needs to map the guest
// object onto this interface; nothing on the host side is exported to JavaScript.
@HostAccess.Implementable
public interface CoreModule {
    String version();

    /** Throws (as a PolyglotException) an Error whose message starts with MISP_ENRICH_CONFIG:. */
    Enricher createEnricher(String optionsJson);

    /** JSON {"datatype","canonical","keys":[...]} or null: used by the golden normalization tests. */
    String describeValue(String datatype, String raw);
}
