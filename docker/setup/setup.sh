#!/bin/sh
# One-shot setup for the demo stack: waits for Elasticsearch and Kibana, then installs the
# index templates and imports the Kibana dashboard. Idempotent.
set -eu
ES=${ES_URL:-http://elasticsearch:9200}
KB=${KIBANA_URL:-http://kibana:5601}
until curl -fsS "$ES/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null; do sleep 2; done
curl -fsS -X PUT "$ES/_component_template/misp-enrich-threat-enrichments" -H 'Content-Type: application/json' \
  --data-binary @/setup/elasticsearch/component-template.json
curl -fsS -X PUT "$ES/_index_template/misp-enrich" -H 'Content-Type: application/json' \
  --data-binary @/setup/elasticsearch/index-template.json
until curl -fsS "$KB/api/status" | grep -q '"level":"available"'; do sleep 3; done
curl -fsS -X POST "$KB/api/saved_objects/_import?overwrite=true" -H 'kbn-xsrf: true' \
  --form file=@/setup/kibana/misp-enrich-dashboard.ndjson
echo "misp-enrich setup done"
