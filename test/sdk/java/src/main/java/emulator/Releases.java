package emulator;

import static emulator.Driver.attempt;
import static emulator.Driver.body;
import static emulator.Driver.emit;
import static emulator.Driver.env;
import static emulator.Driver.errorLine;
import static emulator.Driver.line;
import static emulator.Driver.step;

import com.huaweicloud.sdk.cce.v3.CceClient;
import com.huaweicloud.sdk.cce.v3.model.*;
import com.huaweicloud.sdk.core.SdkResponse;
import com.huaweicloud.sdk.core.exception.ServiceResponseException;
import java.util.Map;

/**
 * The release scenarios. `release`: create → wait-deployed-after-create → list, list-by-chart,
 * list-by-namespace, list-by-other-chart, list-by-other-namespace → show → upgrade →
 * wait-deployed-after-upgrade → rollback (release_version 1) → wait-deployed-after-rollback →
 * history → delete → wait-deleted (404). `errors` (an emulator with --lifecycle manual, so the
 * created release stays pending): show-missing (404), create-invalid-name (400), create,
 * create-duplicate (409), upgrade-while-pending (409), list-wrong-secret (401).
 *
 * <p>3.1.130's ShowReleaseRequest has no show_resources field (neither flavour), so `show` is
 * the plain read.
 */
final class Releases {
  /** One flavour's release calls; CCE and Autopilot have distinct request types and no common interface. */
  interface Ops {
    SdkResponse create(CreateReleaseReqBody body) throws Exception;

    SdkResponse list(String chartId, String namespace) throws Exception;

    SdkResponse show(String name) throws Exception;

    SdkResponse update(UpdateReleaseReqBody body) throws Exception;

    SdkResponse history() throws Exception;

    SdkResponse delete() throws Exception;
  }

  private final String flavor = Driver.flavor();
  private final String cluster = env("EMU_CLUSTER_ID", null);
  private final String chart = env("EMU_CHART_ID", null);
  private final String namespace = env("EMU_NAMESPACE", "default");
  private final String name = env("EMU_RELEASE_NAME", "java-" + flavor);
  private final long timeoutMs = (long) (Double.parseDouble(env("EMU_POLL_TIMEOUT", "10")) * 1000);

  private Releases() {}

  Ops ops(CceClient c) {
    if (flavor.equals("cce")) {
      return new Ops() {
        public SdkResponse create(CreateReleaseReqBody b) {
          return c.createRelease(new CreateReleaseRequest().withClusterId(cluster).withBody(b));
        }

        public SdkResponse list(String chartId, String ns) {
          return c.listReleases(new ListReleasesRequest().withClusterId(cluster).withChartId(chartId).withNamespace(ns));
        }

        public SdkResponse show(String n) {
          return c.showRelease(new ShowReleaseRequest().withClusterId(cluster).withNamespace(namespace).withName(n));
        }

        public SdkResponse update(UpdateReleaseReqBody b) {
          return c.updateRelease(new UpdateReleaseRequest().withClusterId(cluster).withNamespace(namespace).withName(name).withBody(b));
        }

        public SdkResponse history() {
          return c.showReleaseHistory(new ShowReleaseHistoryRequest().withClusterId(cluster).withNamespace(namespace).withName(name));
        }

        public SdkResponse delete() {
          return c.deleteRelease(new DeleteReleaseRequest().withClusterId(cluster).withNamespace(namespace).withName(name));
        }
      };
    }
    return new Ops() {
      public SdkResponse create(CreateReleaseReqBody b) {
        return c.createAutopilotRelease(new CreateAutopilotReleaseRequest().withClusterId(cluster).withBody(b));
      }

      public SdkResponse list(String chartId, String ns) {
        return c.listAutopilotReleases(new ListAutopilotReleasesRequest().withClusterId(cluster).withChartId(chartId).withNamespace(ns));
      }

      public SdkResponse show(String n) {
        return c.showAutopilotRelease(new ShowAutopilotReleaseRequest().withClusterId(cluster).withNamespace(namespace).withName(n));
      }

      public SdkResponse update(UpdateReleaseReqBody b) {
        return c.updateAutopilotRelease(new UpdateAutopilotReleaseRequest().withClusterId(cluster).withNamespace(namespace).withName(name).withBody(b));
      }

      public SdkResponse history() {
        return c.showAutopilotReleaseHistory(new ShowAutopilotReleaseHistoryRequest().withClusterId(cluster).withNamespace(namespace).withName(name));
      }

      public SdkResponse delete() {
        return c.deleteAutopilotRelease(new DeleteAutopilotReleaseRequest().withClusterId(cluster).withNamespace(namespace).withName(name));
      }
    };
  }

  CreateReleaseReqBody createBody(String releaseName) {
    return new CreateReleaseReqBody()
        .withChartId(chart).withName(releaseName).withNamespace(namespace).withVersion("1.0.0")
        .withDescription("created by the Java SDK conformance driver")
        .withParameters(new ReleaseReqBodyParams().withDryRun(false))
        .withValues(new CreateReleaseReqBodyValues().withImageTag("v2").withImagePullPolicy("IfNotPresent"));
  }

  static void lifecycle() {
    Releases r = new Releases();
    Ops o = r.ops(Driver.client(env("EMU_SK", null)));
    step("create", () -> o.create(r.createBody(r.name)));
    r.waitFor(o, "wait-deployed-after-create");
    step("list", () -> o.list(null, null));
    step("list-by-chart", () -> o.list(r.chart, null));
    step("list-by-namespace", () -> o.list(null, r.namespace));
    step("list-by-other-chart", () -> o.list(r.chart + "-none", null));
    step("list-by-other-namespace", () -> o.list(null, r.namespace + "-none"));
    step("show", () -> o.show(r.name));
    step("upgrade", () -> o.update(new UpdateReleaseReqBody().withChartId(r.chart)
        .withAction(UpdateReleaseReqBody.ActionEnum.UPGRADE)
        .withParameters(new ReleaseReqBodyParams().withResetValues(false))
        .withValues(new CreateReleaseReqBodyValues().withImageTag("v3").withImagePullPolicy("Always"))));
    r.waitFor(o, "wait-deployed-after-upgrade");
    // values is required on update, even for a rollback: an empty object is what Java sends.
    step("rollback", () -> o.update(new UpdateReleaseReqBody().withChartId(r.chart)
        .withAction(UpdateReleaseReqBody.ActionEnum.ROLLBACK)
        .withParameters(new ReleaseReqBodyParams().withReleaseVersion(1))
        .withValues(new CreateReleaseReqBodyValues())));
    r.waitFor(o, "wait-deployed-after-rollback");
    step("history", o::history);
    step("delete", o::delete);
    r.waitGone(o, "wait-deleted");
  }

  static void errors() {
    Releases r = new Releases();
    Ops o = r.ops(Driver.client(env("EMU_SK", null)));
    attempt("show-missing", () -> o.show(r.name + "-missing"));
    attempt("create-invalid-name", () -> o.create(r.createBody("Bad_Name")));
    step("create", () -> o.create(r.createBody(r.name)));
    attempt("create-duplicate", () -> o.create(r.createBody(r.name)));
    attempt("upgrade-while-pending", () -> o.update(new UpdateReleaseReqBody().withChartId(r.chart)
        .withAction(UpdateReleaseReqBody.ActionEnum.UPGRADE)
        .withParameters(new ReleaseReqBodyParams())
        .withValues(new CreateReleaseReqBodyValues().withImageTag("v3"))));
    Ops wrong = r.ops(Driver.client(env("EMU_SK", null) + "-wrong"));
    attempt("list-wrong-secret", () -> wrong.list(null, null));
  }

  private static String statusOf(SdkResponse resp) {
    return body(resp).path("status").asText("");
  }

  private void waitFor(Ops o, String step) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    for (int polls = 1; ; polls++) {
      SdkResponse resp;
      try {
        resp = o.show(name);
      } catch (Exception err) {
        Map<String, Object> m = errorLine(step, err);
        m.put("polls", polls);
        emit(m);
        throw new Driver.StepFailed(step);
      }
      String status = statusOf(resp);
      if (status.equals("DEPLOYED")) {
        Map<String, Object> m = line(step, true);
        m.put("status_code", resp.getHttpStatusCode());
        m.put("body", body(resp));
        m.put("polls", polls);
        emit(m);
        return;
      }
      if (status.equals("FAILED") || status.equals("UNKNOWN") || System.currentTimeMillis() > deadline) {
        Map<String, Object> m = line(step, false);
        m.put("exception", "WaitFailed");
        m.put("body", body(resp));
        m.put("polls", polls);
        m.put("error_msg", "waiting for DEPLOYED; last status " + status);
        emit(m);
        throw new Driver.StepFailed(step);
      }
      pause();
    }
  }

  private void waitGone(Ops o, String step) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    for (int polls = 1; ; polls++) {
      SdkResponse resp;
      try {
        resp = o.show(name);
      } catch (Exception err) {
        Map<String, Object> m = errorLine(step, err);
        m.put("polls", polls);
        boolean gone = err instanceof ServiceResponseException e && e.getHttpStatusCode() == 404;
        m.put("ok", gone);
        emit(m);
        if (gone) return;
        throw new Driver.StepFailed(step);
      }
      if (System.currentTimeMillis() > deadline) {
        Map<String, Object> m = line(step, false);
        m.put("exception", "WaitFailed");
        m.put("body", body(resp));
        m.put("polls", polls);
        m.put("error_msg", "timed out waiting for 404; last status " + statusOf(resp));
        emit(m);
        throw new Driver.StepFailed(step);
      }
      pause();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(200); // the emulator's fast lifecycle finishes within a read or two
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
