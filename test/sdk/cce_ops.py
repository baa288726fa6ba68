"""Drive the emulator with the real Huawei Cloud Python SDK and report each step as one JSON line.

Usage: python cce_ops.py <scenario>

Environment:
  EMU_ENDPOINT      e.g. http://127.0.0.1:8080 (https with a self-signed cert also works)
  EMU_AK, EMU_SK    credentials the emulator knows
  EMU_PROJECT_ID    sent as X-Project-Id; set explicitly so the SDK never calls IAM
  EMU_CLUSTER_ID    cluster the releases live in
  EMU_CHART_ID      an uploaded chart (release scenarios)
  EMU_CHART_PATH    a chart package (.tgz) the emulator does not hold yet (chart scenarios)
  EMU_FLAVOR        "cce" (/cce/cam/v3, /v2/charts) or "autopilot" (/autopilot/cam/v3, /autopilot/v2/charts)
  optional: EMU_CHART_VERSION (1.0.0), EMU_NAMESPACE (default), EMU_RELEASE_NAME (sdk-<flavor>),
            EMU_POLL_TIMEOUT seconds (10)

Every step prints {"step", "ok", "status_code", "body", "raw"} on success, or
{"step", "ok": false, "exception", "status_code", "error_code", "error_msg", "request_id"} on an SDK
error. The caller asserts on these lines; this script only decides when a scenario cannot go on.
"""

import hashlib
import json
import os
import sys
import tempfile
import time
import warnings

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkcore.http.formdata import FormFile
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcce.v3 import (
    CceClient,
    CreateAutopilotReleaseRequest,
    CreateReleaseReqBody,
    CreateReleaseReqBodyValues,
    CreateReleaseRequest,
    DeleteAutopilotChartRequest,
    DeleteAutopilotReleaseRequest,
    DeleteChartRequest,
    DeleteReleaseRequest,
    DownloadAutopilotChartRequest,
    DownloadChartRequest,
    ListAutopilotChartsRequest,
    ListAutopilotReleasesRequest,
    ListChartsRequest,
    ListReleasesRequest,
    ReleaseReqBodyParams,
    ShowAutopilotChartRequest,
    ShowAutopilotChartValuesRequest,
    ShowAutopilotReleaseHistoryRequest,
    ShowAutopilotReleaseRequest,
    ShowAutopilotUserChartsQuotasRequest,
    ShowChartRequest,
    ShowChartValuesRequest,
    ShowReleaseHistoryRequest,
    ShowReleaseRequest,
    ShowUserChartsQuotasRequest,
    UpdateAutopilotChartRequest,
    UpdateAutopilotChartRequestBody,
    UpdateAutopilotReleaseRequest,
    UpdateChartRequest,
    UpdateChartRequestBody,
    UpdateReleaseReqBody,
    UpdateReleaseRequest,
    UploadAutopilotChartRequest,
    UploadAutopilotChartRequestBody,
    UploadChartRequest,
    UploadChartRequestBody,
)

# to_dict() on response models warns that it is deprecated; the warning is noise on stderr.
warnings.filterwarnings("ignore", category=DeprecationWarning)

# CCE and Autopilot share request fields and body models; only the client method and request class differ.
OPS = {
    "cce": {
        "create": ("create_release", CreateReleaseRequest),
        "list": ("list_releases", ListReleasesRequest),
        "show": ("show_release", ShowReleaseRequest),
        "update": ("update_release", UpdateReleaseRequest),
        "delete": ("delete_release", DeleteReleaseRequest),
        "history": ("show_release_history", ShowReleaseHistoryRequest),
    },
    "autopilot": {
        "create": ("create_autopilot_release", CreateAutopilotReleaseRequest),
        "list": ("list_autopilot_releases", ListAutopilotReleasesRequest),
        "show": ("show_autopilot_release", ShowAutopilotReleaseRequest),
        "update": ("update_autopilot_release", UpdateAutopilotReleaseRequest),
        "delete": ("delete_autopilot_release", DeleteAutopilotReleaseRequest),
        "history": ("show_autopilot_release_history", ShowAutopilotReleaseHistoryRequest),
    },
}

# Chart operations: (client method, request class, multipart body class or None). Autopilot has its
# own upload/update body classes (same fields); the quota requests have no fields at all, the
# SDK fills {project_id} in the path from the credentials.
CHART_OPS = {
    "cce": {
        "upload": ("upload_chart", UploadChartRequest, UploadChartRequestBody),
        "list": ("list_charts", ListChartsRequest, None),
        "show": ("show_chart", ShowChartRequest, None),
        "update": ("update_chart", UpdateChartRequest, UpdateChartRequestBody),
        "delete": ("delete_chart", DeleteChartRequest, None),
        "download": ("download_chart", DownloadChartRequest, None),
        "values": ("show_chart_values", ShowChartValuesRequest, None),
        "quota": ("show_user_charts_quotas", ShowUserChartsQuotasRequest, None),
    },
    "autopilot": {
        "upload": ("upload_autopilot_chart", UploadAutopilotChartRequest, UploadAutopilotChartRequestBody),
        "list": ("list_autopilot_charts", ListAutopilotChartsRequest, None),
        "show": ("show_autopilot_chart", ShowAutopilotChartRequest, None),
        "update": ("update_autopilot_chart", UpdateAutopilotChartRequest, UpdateAutopilotChartRequestBody),
        "delete": ("delete_autopilot_chart", DeleteAutopilotChartRequest, None),
        "download": ("download_autopilot_chart", DownloadAutopilotChartRequest, None),
        "values": ("show_autopilot_chart_values", ShowAutopilotChartValuesRequest, None),
        "quota": ("show_autopilot_user_charts_quotas", ShowAutopilotUserChartsQuotasRequest, None),
    },
}

TERMINAL_BAD = ("FAILED", "UNKNOWN")  # terraform gives up on these


class StepFailed(Exception):
    pass


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None or value == "":
        sys.stderr.write(f"cce_ops.py: missing required environment variable {name}\n")
        sys.exit(2)
    return value


class Ctx:
    def __init__(self, sk_override=None, chart_id=None):
        self.flavor = env("EMU_FLAVOR", "cce")
        if self.flavor not in OPS:
            sys.stderr.write(f"cce_ops.py: EMU_FLAVOR must be one of {sorted(OPS)}\n")
            sys.exit(2)
        self.cluster_id = env("EMU_CLUSTER_ID")
        # Chart scenarios install the chart they uploaded; release scenarios need one given.
        self.chart_id = chart_id or env("EMU_CHART_ID")
        self.chart_version = env("EMU_CHART_VERSION", "1.0.0")
        self.namespace = env("EMU_NAMESPACE", "default")
        self.name = env("EMU_RELEASE_NAME", f"sdk-{self.flavor}")
        self.poll_timeout = float(env("EMU_POLL_TIMEOUT", "10"))
        self.client = build_client(sk_override)

    def call(self, op, **fields):
        method, request_cls = OPS[self.flavor][op]
        return getattr(self.client, method)(request_cls(cluster_id=self.cluster_id, **fields))

    def chart_call(self, op, client=None, **fields):
        method, request_cls, _ = CHART_OPS[self.flavor][op]
        return getattr(client or self.client, method)(request_cls(**fields))

    def chart_body(self, op, path, parameters=None):
        """The multipart body the SDK encodes: text part `parameters` (omitted when None), then file part `content`."""
        body_cls = CHART_OPS[self.flavor][op][2]
        return body_cls(parameters=parameters, content=FormFile(open(path, "rb")) if path else None)


def build_client(sk_override=None):
    credentials = BasicCredentials(ak=env("EMU_AK"), sk=sk_override or env("EMU_SK"),
                                   project_id=env("EMU_PROJECT_ID"))
    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True
    # Fail fast instead of the SDK's (60 s, 120 s) defaults when the emulator is wedged.
    config.timeout = (5, 30)
    # with_endpoints and no with_region: no IAM project lookup, no region table.
    return (CceClient.new_builder()
            .with_credentials(credentials)
            .with_http_config(config)
            .with_endpoints([env("EMU_ENDPOINT")])
            .build())


def emit(line):
    sys.stdout.write(json.dumps(line, default=str, sort_keys=True) + "\n")
    sys.stdout.flush()


def success_line(step, resp, **extra):
    try:
        raw = resp.to_json_object()
    except ValueError:
        raw = None
    return {"step": step, "ok": True, "status_code": resp.status_code, "body": resp.to_dict(), "raw": raw, **extra}


def error_line(step, err, **extra):
    if isinstance(err, exceptions.ServiceResponseException):
        return {"step": step, "ok": False, "exception": type(err).__name__, "status_code": err.status_code,
                "error_code": err.error_code, "error_msg": err.error_msg, "request_id": err.request_id, **extra}
    # Anything else (connection refused, raw JSONDecodeError from a non-JSON error body, ...) is
    # itself a finding about the emulator, so it is reported rather than crashing the run.
    return {"step": step, "ok": False, "exception": type(err).__name__, "error_msg": str(err), **extra}


def step(name, fn):
    """Run one SDK call and print its line; returns the response or raises StepFailed."""
    try:
        resp = fn()
    except Exception as err:  # noqa: BLE001 - every failure must become a JSON line
        emit(error_line(name, err))
        raise StepFailed(name) from err
    emit(success_line(name, resp))
    return resp


def attempt(name, fn):
    """Like step(), for calls that are expected to fail: never raises."""
    try:
        return step(name, fn)
    except StepFailed:
        return None


def wait_for_status(ctx, name, wanted="DEPLOYED"):
    """Poll show like terraform's StateRefreshFunc, but on a test-sized budget."""
    deadline = time.monotonic() + ctx.poll_timeout
    polls = 0
    while True:
        polls += 1
        try:
            resp = ctx.call("show", namespace=ctx.namespace, name=ctx.name)
        except Exception as err:  # noqa: BLE001
            emit(error_line(name, err, polls=polls))
            raise StepFailed(name) from err
        status = resp.status
        if status == wanted:
            emit(success_line(name, resp, polls=polls))
            return resp
        if status in TERMINAL_BAD or time.monotonic() >= deadline:
            why = "terminal status" if status in TERMINAL_BAD else "timed out"
            emit({**success_line(name, resp, polls=polls), "ok": False, "exception": "WaitFailed",
                  "error_msg": f"{why} waiting for {wanted}; last status {status}"})
            raise StepFailed(name)
        time.sleep(0.2)


def wait_for_gone(ctx, name):
    deadline = time.monotonic() + ctx.poll_timeout
    polls = 0
    while True:
        polls += 1
        try:
            resp = ctx.call("show", namespace=ctx.namespace, name=ctx.name)
        except exceptions.ClientRequestException as err:
            if err.status_code == 404:
                emit({**error_line(name, err, polls=polls), "ok": True})
                return
            emit(error_line(name, err, polls=polls))
            raise StepFailed(name) from err
        except Exception as err:  # noqa: BLE001
            emit(error_line(name, err, polls=polls))
            raise StepFailed(name) from err
        if time.monotonic() >= deadline:
            emit({**success_line(name, resp, polls=polls), "ok": False, "exception": "WaitFailed",
                  "error_msg": f"timed out waiting for 404; last status {resp.status}"})
            raise StepFailed(name)
        time.sleep(0.2)


def create_body(ctx, name=None, image_tag="v2"):
    return CreateReleaseReqBody(
        chart_id=ctx.chart_id, name=name or ctx.name, namespace=ctx.namespace, version=ctx.chart_version,
        description="created by the SDK conformance harness",
        parameters=ReleaseReqBodyParams(dry_run=False),
        values=CreateReleaseReqBodyValues(image_tag=image_tag, image_pull_policy="IfNotPresent"))


def update_body(ctx, action, values, parameters):
    return UpdateReleaseReqBody(chart_id=ctx.chart_id, action=action, parameters=parameters, values=values)


def release_lifecycle():
    ctx = Ctx()
    item = {"namespace": ctx.namespace, "name": ctx.name}
    step("create", lambda: ctx.call("create", body=create_body(ctx)))
    wait_for_status(ctx, "wait-deployed-after-create")
    step("list", lambda: ctx.call("list"))
    step("list-by-chart", lambda: ctx.call("list", chart_id=ctx.chart_id))
    step("list-by-namespace", lambda: ctx.call("list", namespace=ctx.namespace))
    # Filters that match nothing must give an empty array, not an error or an empty body.
    step("list-by-other-chart", lambda: ctx.call("list", chart_id=f"{ctx.chart_id}-none"))
    step("list-by-other-namespace", lambda: ctx.call("list", namespace=f"{ctx.namespace}-none"))
    step("show", lambda: ctx.call("show", **item))
    step("show-resources", lambda: ctx.call("show", show_resources="true", **item))
    step("upgrade", lambda: ctx.call("update", body=update_body(
        ctx, "upgrade", CreateReleaseReqBodyValues(image_tag="v3", image_pull_policy="Always"),
        ReleaseReqBodyParams(reset_values=False)), **item))
    wait_for_status(ctx, "wait-deployed-after-upgrade")
    # values is required on update even for a rollback (spec §2.4); an empty object is what a
    # caller with nothing to override sends.
    step("rollback", lambda: ctx.call("update", body=update_body(
        ctx, "rollback", CreateReleaseReqBodyValues(), ReleaseReqBodyParams(release_version=1)), **item))
    wait_for_status(ctx, "wait-deployed-after-rollback")
    step("history", lambda: ctx.call("history", **item))
    step("delete", lambda: ctx.call("delete", **item))
    wait_for_gone(ctx, "wait-deleted")


def release_errors():
    """Meant for an emulator started with --lifecycle manual, so the created release stays pending."""
    ctx = Ctx()
    attempt("show-missing", lambda: ctx.call("show", namespace=ctx.namespace, name=f"{ctx.name}-missing"))
    attempt("create-invalid-name", lambda: ctx.call("create", body=create_body(ctx, name="Bad_Name")))
    step("create", lambda: ctx.call("create", body=create_body(ctx)))
    attempt("create-duplicate", lambda: ctx.call("create", body=create_body(ctx)))
    attempt("upgrade-while-pending", lambda: ctx.call(
        "update", namespace=ctx.namespace, name=ctx.name, body=update_body(
            ctx, "upgrade", CreateReleaseReqBodyValues(image_tag="v3"), ReleaseReqBodyParams())))


def wrong_secret():
    ctx = Ctx(sk_override=env("EMU_SK") + "-wrong")
    attempt("list-wrong-secret", lambda: ctx.call("list"))


def list_once():
    """One list call, success or not: for credential checks (unknown AK, another project)."""
    ctx = Ctx()
    attempt("list", lambda: ctx.call("list"))


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def download_step(ctx, name, chart_id, uploaded_path=None):
    """DownloadChart answers an SdkStreamResponse: the body is only reachable through
    consume_download_stream(fn), which hands fn the underlying requests.Response (stream=True)."""
    def call():
        resp = ctx.chart_call("download", chart_id=chart_id)
        received = bytearray()
        headers = {}

        def consume(stream):
            headers.update({k.lower(): v for k, v in stream.headers.items()})
            for chunk in stream.iter_content(chunk_size=64 * 1024):
                received.extend(chunk)

        resp.consume_download_stream(consume)
        return resp, bytes(received), headers

    try:
        resp, received, headers = call()
    except Exception as err:  # noqa: BLE001
        emit(error_line(name, err))
        raise StepFailed(name) from err
    line = {"step": name, "ok": True, "status_code": resp.status_code, "bytes": len(received),
            "sha256": hashlib.sha256(received).hexdigest(),
            "content_type": headers.get("content-type"), "content_disposition": headers.get("content-disposition")}
    if uploaded_path:
        line["uploaded_sha256"] = sha256_file(uploaded_path)
        line["uploaded_bytes"] = os.path.getsize(uploaded_path)
    emit(line)
    return received


def chart_lifecycle():
    """upload → list → show → values → quota → download → update → install a release from the
    uploaded chart, poll DEPLOYED, delete it → delete the chart → show/download it (404)."""
    path = env("EMU_CHART_PATH")
    ctx = Ctx(chart_id="-")  # replaced by the uploaded id below
    uploaded = step("upload", lambda: ctx.chart_call("upload", body=ctx.chart_body(
        "upload", path, '{"skip_lint":true,"source":"package"}')))
    chart_id = uploaded.id
    ctx.chart_id = chart_id
    step("list", lambda: ctx.chart_call("list"))
    step("show", lambda: ctx.chart_call("show", chart_id=chart_id))
    step("values", lambda: ctx.chart_call("values", chart_id=chart_id))
    step("quota", lambda: ctx.chart_call("quota"))
    download_step(ctx, "download", chart_id, uploaded_path=path)
    # PUT is a re-upload of the same chart (README "Charts"): same name, same id afterwards.
    step("update", lambda: ctx.chart_call("update", chart_id=chart_id, body=ctx.chart_body(
        "update", path, '{"override":true}')))
    step("show-after-update", lambda: ctx.chart_call("show", chart_id=chart_id))

    ctx.name = f"{ctx.name}-chart"
    item = {"namespace": ctx.namespace, "name": ctx.name}
    step("create-release", lambda: ctx.call("create", body=CreateReleaseReqBody(
        chart_id=chart_id, name=ctx.name, namespace=ctx.namespace, version=uploaded.version,
        values=CreateReleaseReqBodyValues())))
    wait_for_status(ctx, "wait-release-deployed")
    step("list-releases-by-chart", lambda: ctx.call("list", chart_id=chart_id))
    step("delete-release", lambda: ctx.call("delete", **item))
    wait_for_gone(ctx, "wait-release-deleted")

    step("delete", lambda: ctx.chart_call("delete", chart_id=chart_id))
    attempt("show-deleted", lambda: ctx.chart_call("show", chart_id=chart_id))
    try:
        download_step(ctx, "download-deleted", chart_id)
    except StepFailed:
        pass
    step("quota-after-delete", lambda: ctx.chart_call("quota"))


def chart_errors():
    """409 on a second upload without override, 400s for bodies that are not a chart, 404 for an
    unknown id (show, download, update, delete), 401 for an upload signed with a wrong SK."""
    path = env("EMU_CHART_PATH")
    ctx = Ctx(chart_id="-")
    # override: whatever an earlier run left behind, this upload succeeds.
    uploaded = step("upload", lambda: ctx.chart_call("upload", body=ctx.chart_body("upload", path, '{"override":true}')))
    attempt("upload-duplicate", lambda: ctx.chart_call("upload", body=ctx.chart_body("upload", path)))
    with tempfile.TemporaryDirectory() as tmp:
        not_a_chart = os.path.join(tmp, "not-a-chart.tgz")
        with open(not_a_chart, "wb") as f:
            f.write(b"this is not a gzip file\n")
        attempt("upload-not-gzip", lambda: ctx.chart_call("upload", body=ctx.chart_body("upload", not_a_chart)))
    # content=None: the SDK sends only the text part.
    attempt("upload-without-content", lambda: ctx.chart_call("upload", body=ctx.chart_body("upload", None, "{}")))
    attempt("upload-bad-parameters", lambda: ctx.chart_call("upload", body=ctx.chart_body("upload", path, "not json")))
    missing = "00000000-0000-4000-8000-000000000000"
    attempt("show-missing", lambda: ctx.chart_call("show", chart_id=missing))
    attempt("values-missing", lambda: ctx.chart_call("values", chart_id=missing))
    try:
        download_step(ctx, "download-missing", missing)
    except StepFailed:
        pass
    attempt("update-missing", lambda: ctx.chart_call("update", chart_id=missing, body=ctx.chart_body("update", path)))
    attempt("delete-missing", lambda: ctx.chart_call("delete", chart_id=missing))
    step("delete", lambda: ctx.chart_call("delete", chart_id=uploaded.id))
    # A multipart upload is signed with UNSIGNED-PAYLOAD; a wrong SK must still be refused, and change nothing.
    wrong = build_client(env("EMU_SK") + "-wrong")
    attempt("upload-wrong-secret", lambda: ctx.chart_call("upload", client=wrong, body=ctx.chart_body("upload", path)))
    step("list-after-wrong-secret", lambda: ctx.chart_call("list"))


SCENARIOS = {
    "release-lifecycle": release_lifecycle,
    "release-errors": release_errors,
    "wrong-secret": wrong_secret,
    "list": list_once,
    "chart-lifecycle": chart_lifecycle,
    "chart-errors": chart_errors,
}


def main(argv):
    if len(argv) != 2 or argv[1] not in SCENARIOS:
        sys.stderr.write(f"usage: cce_ops.py <{'|'.join(SCENARIOS)}>\n")
        return 2
    try:
        SCENARIOS[argv[1]]()
    except StepFailed:
        # The failing step already printed its line; later steps would only cascade.
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
