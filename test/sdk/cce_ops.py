"""Drive the emulator with the real Huawei Cloud Python SDK and report each step as one JSON line.

Usage: python cce_ops.py <scenario>

Environment:
  EMU_ENDPOINT      e.g. http://127.0.0.1:8080 (https with a self-signed cert also works)
  EMU_AK, EMU_SK    credentials the emulator knows
  EMU_PROJECT_ID    sent as X-Project-Id; set explicitly so the SDK never calls IAM
  EMU_CLUSTER_ID    cluster the releases live in
  EMU_CHART_ID      an uploaded chart
  EMU_FLAVOR        "cce" (/cce/cam/v3) or "autopilot" (/autopilot/cam/v3)
  optional: EMU_CHART_VERSION (1.0.0), EMU_NAMESPACE (default), EMU_RELEASE_NAME (sdk-<flavor>),
            EMU_POLL_TIMEOUT seconds (10)

Every step prints {"step", "ok", "status_code", "body", "raw"} on success, or
{"step", "ok": false, "exception", "status_code", "error_code", "error_msg", "request_id"} on an SDK
error. The caller asserts on these lines; this script only decides when a scenario cannot go on.
"""

import json
import os
import sys
import time
import warnings

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcce.v3 import (
    CceClient,
    CreateAutopilotReleaseRequest,
    CreateReleaseReqBody,
    CreateReleaseReqBodyValues,
    CreateReleaseRequest,
    DeleteAutopilotReleaseRequest,
    DeleteReleaseRequest,
    ListAutopilotReleasesRequest,
    ListReleasesRequest,
    ReleaseReqBodyParams,
    ShowAutopilotReleaseHistoryRequest,
    ShowAutopilotReleaseRequest,
    ShowReleaseHistoryRequest,
    ShowReleaseRequest,
    UpdateAutopilotReleaseRequest,
    UpdateReleaseReqBody,
    UpdateReleaseRequest,
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
    def __init__(self, sk_override=None):
        self.flavor = env("EMU_FLAVOR", "cce")
        if self.flavor not in OPS:
            sys.stderr.write(f"cce_ops.py: EMU_FLAVOR must be one of {sorted(OPS)}\n")
            sys.exit(2)
        self.cluster_id = env("EMU_CLUSTER_ID")
        self.chart_id = env("EMU_CHART_ID")
        self.chart_version = env("EMU_CHART_VERSION", "1.0.0")
        self.namespace = env("EMU_NAMESPACE", "default")
        self.name = env("EMU_RELEASE_NAME", f"sdk-{self.flavor}")
        self.poll_timeout = float(env("EMU_POLL_TIMEOUT", "10"))
        self.client = build_client(sk_override)

    def call(self, op, **fields):
        method, request_cls = OPS[self.flavor][op]
        return getattr(self.client, method)(request_cls(cluster_id=self.cluster_id, **fields))


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


SCENARIOS = {
    "release-lifecycle": release_lifecycle,
    "release-errors": release_errors,
    "wrong-secret": wrong_secret,
    "list": list_once,
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
