package emulator;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.huaweicloud.sdk.cce.v3.CceClient;
import com.huaweicloud.sdk.core.auth.BasicCredentials;
import com.huaweicloud.sdk.core.exception.ServiceResponseException;
import com.huaweicloud.sdk.core.http.HttpConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Drives the emulator with the official Huawei Cloud Java SDK (huaweicloud-sdk-cce, pinned in
 * ../../../../pom.xml) and prints one JSON line per step, like ../../../../../cce_ops.py and the Go
 * driver. Usage: {@code java -cp … emulator.Driver release|errors|chart}.
 *
 * <p>Environment: EMU_ENDPOINT, EMU_AK, EMU_SK, EMU_PROJECT_ID, EMU_FLAVOR (cce | autopilot);
 * release scenarios also EMU_CLUSTER_ID, EMU_CHART_ID, optional EMU_NAMESPACE (default),
 * EMU_RELEASE_NAME (java-&lt;flavor&gt;), EMU_POLL_TIMEOUT seconds (10); the chart scenario
 * EMU_CHART_PATH, a package the emulator does not hold yet.
 *
 * <p>Exit 0 when the scenario ran to the end, 1 at the first step that had to succeed and did
 * not (its line says why), 2 for usage errors.
 */
public final class Driver {
  static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /** An SDK call; any exception it throws becomes the step's line. */
  @FunctionalInterface
  interface Call<T> {
    T run() throws Exception;
  }

  static final class StepFailed extends RuntimeException {
    StepFailed(String step) {
      super(step, null, false, false);
    }
  }

  private Driver() {}

  public static void main(String[] args) {
    String scenario = args.length == 1 ? args[0] : "";
    try {
      switch (scenario) {
        case "release" -> Releases.lifecycle();
        case "errors" -> Releases.errors();
        case "chart" -> Charts.lifecycle();
        default -> {
          System.err.println("usage: emulator.Driver release|errors|chart");
          System.exit(2);
        }
      }
    } catch (StepFailed failed) {
      // The failing step already printed its line; later steps would only cascade.
      System.exit(1);
    }
  }

  static String env(String name, String fallback) {
    String v = System.getenv(name);
    if (v != null && !v.isEmpty()) return v;
    if (fallback == null) {
      System.err.println("java driver: missing required environment variable " + name);
      System.exit(2);
    }
    return fallback;
  }

  static String flavor() {
    String f = env("EMU_FLAVOR", "cce");
    if (!f.equals("cce") && !f.equals("autopilot")) {
      System.err.println("java driver: EMU_FLAVOR must be cce or autopilot");
      System.exit(2);
    }
    return f;
  }

  static CceClient client(String sk) {
    BasicCredentials auth = new BasicCredentials()
        .withAk(env("EMU_AK", null))
        .withSk(sk)
        .withProjectId(env("EMU_PROJECT_ID", null)); // explicit: no IAM lookup
    HttpConfig config = HttpConfig.getDefaultHttpConfig().withTimeout(30);
    return CceClient.newBuilder()
        .withCredential(auth)
        .withHttpConfig(config)
        .withEndpoints(List.of(env("EMU_ENDPOINT", null))) // no withRegion: it would replace the endpoints
        .build();
  }

  static void emit(Map<String, Object> line) {
    try {
      System.out.println(JSON.writeValueAsString(line));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The decoded SDK model as JSON, so the test sees what the Java types kept. */
  static JsonNode body(Object resp) {
    JsonNode node = JSON.valueToTree(resp);
    if (node instanceof ObjectNode o) o.remove("httpStatusCode");
    return node;
  }

  static Map<String, Object> line(String step, boolean ok) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("step", step);
    m.put("ok", ok);
    return m;
  }

  static Map<String, Object> errorLine(String step, Exception err) {
    Map<String, Object> m = line(step, false);
    m.put("exception", err.getClass().getSimpleName());
    if (err instanceof ServiceResponseException e) {
      m.put("status_code", e.getHttpStatusCode());
      m.put("error_code", e.getErrorCode());
      m.put("error_msg", e.getErrorMsg());
      m.put("request_id", e.getRequestId());
    } else {
      m.put("error_msg", String.valueOf(err.getMessage()));
    }
    return m;
  }

  /** Runs a call that must succeed, prints its line and returns the response. */
  static <T extends com.huaweicloud.sdk.core.SdkResponse> T step(String name, Call<T> call) {
    T resp;
    try {
      resp = call.run();
    } catch (Exception err) {
      emit(errorLine(name, err));
      throw new StepFailed(name);
    }
    Map<String, Object> m = line(name, true);
    m.put("status_code", resp.getHttpStatusCode());
    m.put("body", body(resp));
    emit(m);
    return resp;
  }

  /** Runs a call that is expected to fail; never stops the run. */
  static void attempt(String name, Call<? extends com.huaweicloud.sdk.core.SdkResponse> call) {
    try {
      step(name, call);
    } catch (StepFailed ignored) {
      // its line is printed; the test decides whether the failure was the expected one
    }
  }
}
