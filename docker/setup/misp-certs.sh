#!/bin/sh
# Profile `misp`: a self-signed certificate for misp-core that names the host the agent and
# Logstash connect to (misp-core) besides localhost, written once into the misp-certs volume.
# misp-core's own entrypoint makes a certificate only when none is there, and the one it makes
# names localhost alone, which no client on the compose network could verify. The agent
# (MISP_ENRICH_CA_FILE) and Logstash (ssl_certificate_authorities) trust this file; TLS
# verification stays on.
set -eu
dir=/certs
if [ -s "$dir/cert.pem" ] && [ -s "$dir/key.pem" ]; then
  echo "misp-certs: certificate already present"
  exit 0
fi
openssl req -x509 -nodes -newkey rsa:3072 -days 825 -subj '/CN=misp-core' \
  -addext 'subjectAltName = DNS:misp-core, DNS:localhost, IP:127.0.0.1' \
  -keyout "$dir/key.pem" -out "$dir/cert.pem"
chmod 0644 "$dir/cert.pem"
chmod 0600 "$dir/key.pem"
echo "misp-certs: certificate for misp-core written"
