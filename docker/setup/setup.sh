#!/bin/sh
# One-shot setup jobs of the demo stack, idempotent:
#   setup.sh elasticsearch  the component template misp-enrich and the index template misp-enrich
#                           (Logstash starts only after this job succeeded: an index created
#                           before its template would map threat.enrichments as a plain object)
#   setup.sh kibana         the data view, Lens visualizations and dashboard
# The detection rule (docs/kibana/misp-enrich-detection-rule.ndjson) is not loaded here: Kibana's
# detection engine needs Elasticsearch security, which this stack turns off.
set -eu
ES=${ES_URL:-http://elasticsearch:9200}
KB=${KIBANA_URL:-http://kibana:5601}

case "${1:-}" in
  elasticsearch)
    until curl -fsS "$ES/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null; do sleep 2; done
    curl -fsS -X PUT "$ES/_component_template/misp-enrich" -H 'Content-Type: application/json' \
      --data-binary @/setup/elasticsearch/component-template.json
    echo
    curl -fsS -X PUT "$ES/_index_template/misp-enrich" -H 'Content-Type: application/json' \
      --data-binary @/setup/elasticsearch/index-template.json
    echo
    echo "misp-enrich: Elasticsearch templates installed"
    ;;
  kibana)
    until curl -fsS "$KB/api/status" | grep -q '"level":"available"'; do sleep 3; done
    curl -fsS -X POST "$KB/api/saved_objects/_import?overwrite=true" -H 'kbn-xsrf: true' \
      --form file=@/setup/kibana/misp-enrich-dashboard.ndjson
    echo
    echo "misp-enrich: Kibana data view and dashboard imported"
    ;;
  *)
    echo "usage: setup.sh elasticsearch|kibana" >&2
    exit 2
    ;;
esac
