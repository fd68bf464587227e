"""moto server in this process, on 127.0.0.1, with a recorder in front of it that notes every AWS call.

Terraform reaches every AWS service through one local endpoint. The recorder sits between it and moto
(a WSGI middleware, no second hop): for each call it notes who made it (the access key, tied to the role
the STS call that issued it named), the service, region and operation, the parameters, moto's answer, and
the round trip's current phase. ``e2e/authorization.py`` turns the calls into IAM requests afterwards.

The server runs on a daemon thread of the test process: it ends with the process, whatever happens, and
:meth:`Emulator.stop` ends it earlier. The bridges of ``e2e/bridges.py`` are applied when it starts.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import threading
from http import HTTPStatus
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

#: Read by moto when it is imported: AWS managed policies (AmazonRDSEnhancedMonitoringRole, ...) exist;
#: ACM issues a requested certificate once its DNS validation record resolves, in seconds to minutes; moto issues
#: it a fixed time after the request (60 s by default): at once here.
MOTO_SETTINGS = {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "MOTO_ACM_VALIDATION_WAIT": "0"}
ADMINISTRATOR_ROLE = "e2e-administrator"
_CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/")
_ISSUED = re.compile(r"<AccessKeyId>([^<]+)</AccessKeyId>.*?<Arn>([^<]+)</Arn>", re.DOTALL)


@dataclass
class Call:
    """One AWS call as the emulator received it (parameters flattened as the protocol carries them)."""

    phase: str
    principal: str  # the assumed role's ARN (arn:aws:sts::<account>:assumed-role/<role>/<session>), or "anonymous"
    service: str  # the signing name: s3, ecs, kms, ...
    region: str
    operation: str  # the API operation (CreateAlias), or for the REST protocols (S3) the HTTP method
    params: dict[str, Any]
    status: int
    error: str = ""
    path: str = ""
    request_headers: dict[str, str] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)
    response: str = ""
    bridged_by: str = ""  # the bridge (e2e/bridges.py) that changed moto's answer, if any
    requests: Any = None  # what IAM authorizes for the call (e2e/authorization.py); None: not known
    body: str = ""  # the request body of a REST call (S3 DeleteObjects names its objects there)
    mapping_error: str = ""

    @property
    def account(self) -> str:
        return self.principal.split(":")[4] if self.principal.startswith("arn:") else ""

    @property
    def role_name(self) -> str:
        """The role the caller assumed (``gha-...-deploy``), or ``""``."""
        return self.principal.split("/")[1] if ":assumed-role/" in self.principal else ""


@dataclass(frozen=True)
class WebIdentitySession:
    """An AssumeRoleWithWebIdentity call: the role asked for and the token's claims."""

    phase: str
    role_arn: str
    claims: dict[str, Any]
    status: int


def _jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1] if token.count(".") == 2 else ""
    try:
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return {}


def web_identity_token(claims: dict[str, Any]) -> str:
    """An unsigned JWT carrying ``claims`` (moto does not verify tokens; the trust check is ours)."""
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.unsigned"


def _parse(method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> tuple[str, dict[str, Any]]:
    """The operation and its parameters, for the JSON (X-Amz-Target), query and REST protocols."""
    target = headers.get("x-amz-target", "")
    if target:
        params = json.loads(body or b"{}")
        return target.rsplit(".", 1)[-1], params if isinstance(params, dict) else {}
    form = dict(parse_qsl(query, keep_blank_values=True))
    if "form-urlencoded" in headers.get("content-type", ""):
        form.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if "Action" in form:
        return form.pop("Action"), form
    return method, form  # REST (S3, Route 53): e2e/authorization.py reads the method, path and query


def _route_account_prefixed_host(environ: dict[str, Any]) -> None:
    """S3 Control calls reach the emulator as ``<account>.127.0.0.1:<port>`` (the SDK prefixes the account ID to
    the endpoint's host; the copies send them through the ``http_proxy`` setting): named as AWS names the
    service's host, so moto routes them to S3 Control (both sign as ``s3``)."""
    prefixed = re.fullmatch(r"(\d{12})\.127\.0\.0\.1(:\d+)?", environ.get("HTTP_HOST", ""))
    region = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if prefixed and region:
        environ["HTTP_HOST"] = f"{prefixed.group(1)}.s3-control.{region.group(2)}.amazonaws.com"


class Recorder:
    """WSGI middleware in front of moto: records each call, and lets the bridges adjust moto's answer."""

    def __init__(self, app: Callable[..., Iterable[bytes]], bridges: Iterable[Any] = (),
                 annotate: Callable[[Call], Any] | None = None) -> None:
        self._app = app
        self._annotate = annotate
        self._bridges = tuple(bridges)
        self._lock = threading.Lock()
        self._principals: dict[str, str] = {}
        self.phase = "start"
        self.calls: list[Call] = []
        self.sessions: list[WebIdentitySession] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH")
        # A chunked body (no length) is read to its end: werkzeug marks it with wsgi.input_terminated.
        body = environ["wsgi.input"].read() if environ.get("wsgi.input_terminated") and not length \
            else environ["wsgi.input"].read(int(length or 0))
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        _route_account_prefixed_host(environ)
        call = self._call(environ, body)
        if self._annotate is not None and call.principal != "anonymous":
            try:  # what IAM authorizes, from the emulator's state before the call
                call.requests = self._annotate(call)
            except Exception as error:  # noqa: BLE001 - a call the mapping cannot read is listed as unmapped
                call.mapping_error = f"{type(error).__name__}: {error}"
        moto_reply: dict[str, Any] = {}

        def keep_start(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            moto_reply.update(status=int(status.split()[0]), headers=response_headers)

        try:
            reply = (0, [], b"".join(self._app(environ, keep_start)))
            reply = (moto_reply["status"], list(moto_reply["headers"]), reply[2])
        except NotImplementedError as error:  # what moto server answers too, without the traceback on stderr
            reply = (500, [("Content-Type", "text/plain")], f"{type(error).__name__}: {error}".encode())
        self._answered(call, reply)
        for bridge in self._bridges:
            if (bridged := bridge.adjust(call, self.calls, reply)) is not reply:  # the list only grows: safe to read
                reply, call.bridged_by = bridged, bridge.name
                self._answered(call, reply)
        status, response_headers, answer = reply
        start_response(f"{status} {HTTPStatus(status).phrase}", response_headers)
        return [answer]

    def _call(self, environ: dict[str, Any], body: bytes) -> Call:
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        method, path, query = environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
        credential = _CREDENTIAL.search(headers.get("authorization", ""))
        access_key, region, service = credential.groups() if credential else ("", "us-east-1", "sts")
        operation, params = _parse(method, path, query, headers, body)
        with self._lock:
            principal = self._principals.get(access_key, "anonymous")
            call = Call(phase=self.phase, principal=principal, service=service, region=region, operation=operation,
                        params=params, status=0, path=path, request_headers=headers,
                        body=body.decode("utf-8", "replace") if operation == method else "")
            self.calls.append(call)
        return call

    def _answered(self, call: Call, reply: tuple[int, list[tuple[str, str]], bytes]) -> None:
        status, response_headers, answer = reply
        text = answer.decode("utf-8", "replace")
        error = re.search(r'<Code>([^<]+)</Code>|"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"', text) if status >= 400 else None
        call.status, call.response = status, text[:4000] if status < 400 else text[:600]
        call.error = next((group for group in error.groups() if group), "") if error else ""
        call.response_headers = {name.lower(): value for name, value in response_headers}
        with self._lock:
            if call.operation.startswith("AssumeRole") and status == 200 and (issued := _ISSUED.search(text)):
                self._principals[issued.group(1)] = issued.group(2)
            if call.operation == "AssumeRoleWithWebIdentity":
                self.sessions.append(WebIdentitySession(call.phase, call.params.get("RoleArn", ""),
                                                        _jwt_claims(call.params.get("WebIdentityToken", "")), status))


class Emulator:
    """moto on 127.0.0.1 (a free port), recording every call; use as a context manager."""

    def __init__(self, bridges: Iterable[Any] = (), patches: Iterable[Callable[[], None]] = (),
                 annotate: Callable[[Call], Any] | None = None) -> None:
        """``bridges``: objects with ``name`` and ``adjust(call, earlier calls, reply) -> reply`` (e2e/bridges.py);
        ``patches``: functions changing a moto check, called once before the server starts; ``annotate``: what
        IAM authorizes for a call made with credentials the emulator issued (e2e/authorization.py)."""
        os.environ.update(MOTO_SETTINGS)
        from moto.moto_server.werkzeug_app import (  # imported here: MOTO_SETTINGS must be set first
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        for patch in patches:
            patch()
        class QuietHandler(MotoRequestHandler):
            def log_request(self, *arguments: Any) -> None:  # the recorder keeps every call
                pass

        self.recorder = Recorder(DomainDispatcherApplication(create_backend_app), bridges, annotate)
        self._server = make_server("127.0.0.1", 0, self.recorder, threaded=True, request_handler=QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Emulator:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @contextmanager
    def phase(self, name: str) -> Iterator[list[Call]]:
        """Calls made inside the block are tagged ``name``; the list yielded fills with them."""
        self.recorder.phase = name
        start = len(self.recorder.calls)
        calls: list[Call] = []
        try:
            yield calls
        finally:
            calls.extend(self.recorder.calls[start:])
            self.recorder.phase = "between phases"

    def _sts(self) -> Any:
        import boto3

        return boto3.client("sts", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="AKIAE2EADMINISTRATOR", aws_secret_access_key="not-a-secret")

    def administrator(self, account: str) -> dict[str, str]:
        """AWS_* variables of an administrator session of ``account`` (an assumed role in that account)."""
        answer = self._sts().assume_role(RoleArn=administrator_role_arn(account), RoleSessionName="administrator")
        return _variables(answer["Credentials"])

    def pipeline_role(self, role_arn: str, claims: dict[str, Any]) -> dict[str, str]:
        """AWS_* variables of a GitHub Actions job's session of ``role_arn``, as configure-aws-credentials
        exports them after exchanging the job's OIDC token (``claims``) with AssumeRoleWithWebIdentity."""
        answer = self._sts().assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName="github-actions", WebIdentityToken=web_identity_token(claims))
        return _variables(answer["Credentials"])

    def hosted_zone(self, credentials: dict[str, str], domain: str, zone_id: str) -> None:
        """A public hosted zone for ``domain`` with the ID the configuration names (moto would choose one)."""
        from moto.route53.models import HostedZoneIdentifier
        from moto.utilities.id_generator import moto_id_manager

        account = self.client("sts", credentials).get_caller_identity()["Account"]
        moto_id_manager.set_custom_id(HostedZoneIdentifier(account, f"{domain}.", None), zone_id)
        created = self.client("route53", credentials).create_hosted_zone(Name=domain, CallerReference=zone_id)
        assert created["HostedZone"]["Id"].endswith(f"/{zone_id}"), f"the emulator chose {created['HostedZone']['Id']}"

    def client(self, service: str, credentials: dict[str, str], region: str = "us-east-1") -> Any:
        """A boto3 client with ``credentials`` (from :meth:`administrator` or :meth:`pipeline_role`)."""
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name=region,
                            aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
                            aws_session_token=credentials["AWS_SESSION_TOKEN"])


def _variables(credentials: dict[str, Any]) -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": credentials["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"]}


def administrator_role_arn(account: str) -> str:
    """The role an administrator session of ``account`` assumes (moto needs no such role to exist)."""
    return f"arn:aws:iam::{account}:role/{ADMINISTRATOR_ROLE}"
