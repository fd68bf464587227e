#!/usr/bin/env bash
# Writes a fresh GitHub Actions OIDC token for AUDIENCE to FILE (mode 600), printing nothing of it. The apply job
# points the AWS SDK at FILE (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN): each Terraform run and each aws
# command assumes the deploy role with the token it finds there, so a job that applies several stacks one after
# the other gets a new one-hour session per stack instead of one session for all of them.
#
#   oidc_token.sh AUDIENCE FILE        (the job needs `permissions: id-token: write`)
set -euo pipefail
[ "$#" -eq 2 ] || { echo "usage: $0 AUDIENCE FILE" >&2; exit 64; }
audience="$1" file="$2"
if [ -z "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ] || [ -z "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}" ]; then
  echo "error: no OIDC token to request: the job needs permissions id-token: write" >&2
  exit 2
fi
umask 077
curl -sSf --retry 3 -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=$audience" | jq -r '.value // empty' > "$file.new"
if [ ! -s "$file.new" ]; then
  rm -f "$file.new"
  echo "error: GitHub answered without an OIDC token" >&2
  exit 1
fi
mv "$file.new" "$file"
