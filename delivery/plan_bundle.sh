#!/usr/bin/env bash
# A saved plan travels from the plan job to the apply job encrypted: plan files hold the configuration
# and prior state in clear text (secrets included), and every reader of the repository can download
# a run's artifacts. The plan job has only the public key; the private key is a secret of the GitHub
# environment whose apply job opens the bundle (docs/delivery.md, secrets and variables).
#
#   plan_bundle.sh seal STACK_DIR OUT_DIR   PLAN_PUBLIC_KEY (PEM) and PLAN_ENVIRONMENT in the environment
#       -> OUT_DIR/plan.tar.enc, OUT_DIR/plan.key.enc, OUT_DIR/plan.sha256; prints the SHA-256
#   plan_bundle.sh open IN_DIR STACK_DIR    PLAN_PRIVATE_KEY (PEM) and PLAN_ENVIRONMENT in the environment
#       -> STACK_DIR/{cdk.tf.json,.terraform.lock.hcl,tfplan}, checked against plan.sha256
#
# The bundle is a tar of the stack's cdk.tf.json, .terraform.lock.hcl (the apply must use the same
# providers), tfplan and bundle.meta (the environment it was sealed for and when), encrypted with a random
# AES-256 key (openssl enc, PBKDF2), which is itself encrypted with the RSA public key (OAEP, SHA-256).
# Nothing in clear text is left behind. Each environment has its own key pair, and `open` refuses a bundle
# sealed for another environment, or older than PLAN_MAX_AGE_DAYS (default 30: GitHub fails a job that waited
# 30 days for its approval; the workflows keep the artifact longer, so a late approval reads "expired").
set -euo pipefail
umask 077

usage() { echo "usage: $0 seal STACK_DIR OUT_DIR | open IN_DIR STACK_DIR" >&2; exit 2; }
[ "$#" -eq 3 ] || usage
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

case "$1" in
  seal)
    stack_dir="$2" out_dir="$3"
    [ -n "${PLAN_ENVIRONMENT:-}" ] || { echo "error: PLAN_ENVIRONMENT is not set (the environment the plan is for)" >&2; exit 2; }
    [ -n "${PLAN_PUBLIC_KEY:-}" ] || { echo "error: PLAN_PUBLIC_KEY is not set (repository variable PLAN_PUBLIC_KEY_${PLAN_ENVIRONMENT^^})" >&2; exit 2; }
    for file in cdk.tf.json tfplan; do
      [ -f "$stack_dir/$file" ] || { echo "error: $stack_dir/$file is missing" >&2; exit 2; }
    done
    files=(cdk.tf.json tfplan)
    # Every stack with a provider has a lock file after init; without one the apply fails (not a new plan).
    [ -f "$stack_dir/.terraform.lock.hcl" ] && files+=(.terraform.lock.hcl)
    printf '%s\n' "$PLAN_PUBLIC_KEY" > "$work/public.pem"
    printf 'environment=%s\nsealed_at=%s\n' "$PLAN_ENVIRONMENT" "$(date -u +%s)" > "$work/bundle.meta"
    tar -C "$stack_dir" -cf "$work/plan.tar" "${files[@]}"
    tar -C "$work" -rf "$work/plan.tar" bundle.meta
    openssl rand -hex 32 > "$work/key"
    mkdir -p "$out_dir"
    openssl enc -aes-256-cbc -pbkdf2 -iter 200000 -salt -in "$work/plan.tar" -out "$out_dir/plan.tar.enc" -pass "file:$work/key"
    openssl pkeyutl -encrypt -pubin -inkey "$work/public.pem" -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 \
      -in "$work/key" -out "$out_dir/plan.key.enc"
    sha256sum "$work/plan.tar" | cut -d' ' -f1 > "$out_dir/plan.sha256"
    cat "$out_dir/plan.sha256"
    ;;
  open)
    in_dir="$2" stack_dir="$3"
    [ -n "${PLAN_ENVIRONMENT:-}" ] || { echo "error: PLAN_ENVIRONMENT is not set (the environment applying the plan)" >&2; exit 2; }
    [ -n "${PLAN_PRIVATE_KEY:-}" ] || { echo "error: PLAN_PRIVATE_KEY is not set (environment secret PLAN_PRIVATE_KEY)" >&2; exit 2; }
    printf '%s\n' "$PLAN_PRIVATE_KEY" > "$work/private.pem"
    openssl pkeyutl -decrypt -inkey "$work/private.pem" -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 \
      -in "$in_dir/plan.key.enc" -out "$work/key"
    openssl enc -d -aes-256-cbc -pbkdf2 -iter 200000 -in "$in_dir/plan.tar.enc" -out "$work/plan.tar" -pass "file:$work/key"
    actual="$(sha256sum "$work/plan.tar" | cut -d' ' -f1)"
    if [ "$actual" != "$(cat "$in_dir/plan.sha256")" ]; then
      echo "error: the plan bundle does not match its checksum: refusing to apply it" >&2
      exit 1
    fi
    tar -C "$work" -xf "$work/plan.tar" bundle.meta
    sealed_for="$(sed -n 's/^environment=//p' "$work/bundle.meta")"
    sealed_at="$(sed -n 's/^sealed_at=//p' "$work/bundle.meta")"
    if [ "$sealed_for" != "$PLAN_ENVIRONMENT" ]; then
      echo "error: the plan bundle was sealed for environment '$sealed_for', not '$PLAN_ENVIRONMENT': refusing to apply it" >&2
      exit 1
    fi
    max_days="${PLAN_MAX_AGE_DAYS:-30}"
    if [ $(( $(date -u +%s) - sealed_at )) -gt $(( max_days * 86400 )) ]; then
      echo "error: expired: plan again (the plan was made $(date -u -d "@$sealed_at" +%Y-%m-%dT%H:%MZ), more than $max_days days ago; nothing was applied)" >&2
      exit 3
    fi
    mkdir -p "$stack_dir"
    tar -C "$stack_dir" -xf "$work/plan.tar" --exclude=bundle.meta
    echo "$actual"
    ;;
  *) usage ;;
esac
