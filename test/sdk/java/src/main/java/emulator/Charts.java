package emulator;

import static emulator.Driver.attempt;
import static emulator.Driver.emit;
import static emulator.Driver.env;
import static emulator.Driver.errorLine;
import static emulator.Driver.line;
import static emulator.Driver.step;

import com.huaweicloud.sdk.cce.v3.CceClient;
import com.huaweicloud.sdk.cce.v3.model.*;
import com.huaweicloud.sdk.core.SdkResponse;
import com.huaweicloud.sdk.core.SdkStreamResponse;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

/**
 * The chart scenario, on an emulator that does not hold EMU_CHART_PATH's chart yet: upload
 * (multipart: text part `parameters`, file part `content`) → upload-duplicate (409) →
 * upload-not-gzip (400) → list → show → values → quota → download (sha256 of both sides) →
 * update (re-upload, override) → show-after-update → delete → show-deleted (404) →
 * download-deleted (404) → upload-wrong-secret (401) → list-after-wrong-secret.
 */
final class Charts {
  /** One flavour's chart calls. */
  interface Ops {
    SdkResponse upload(InputStream content, String filename, String parameters) throws Exception;

    SdkResponse list() throws Exception;

    SdkResponse show(String id) throws Exception;

    SdkResponse values(String id) throws Exception;

    SdkResponse quota() throws Exception;

    SdkStreamResponse download(String id) throws Exception;

    SdkResponse update(String id, InputStream content, String filename, String parameters) throws Exception;

    SdkResponse delete(String id) throws Exception;
  }

  private Charts() {}

  static Ops ops(String flavor, CceClient c) {
    if (flavor.equals("cce")) {
      return new Ops() {
        public SdkResponse upload(InputStream in, String filename, String params) {
          return c.uploadChart(new UploadChartRequest().withBody(new UploadChartRequestBody().withParameters(params).withContent(in, filename)));
        }

        public SdkResponse list() {
          return c.listCharts(new ListChartsRequest());
        }

        public SdkResponse show(String id) {
          return c.showChart(new ShowChartRequest().withChartId(id));
        }

        public SdkResponse values(String id) {
          return c.showChartValues(new ShowChartValuesRequest().withChartId(id));
        }

        public SdkResponse quota() {
          return c.showUserChartsQuotas(new ShowUserChartsQuotasRequest());
        }

        public SdkStreamResponse download(String id) {
          return c.downloadChart(new DownloadChartRequest().withChartId(id));
        }

        public SdkResponse update(String id, InputStream in, String filename, String params) {
          return c.updateChart(new UpdateChartRequest().withChartId(id).withBody(new UpdateChartRequestBody().withParameters(params).withContent(in, filename)));
        }

        public SdkResponse delete(String id) {
          return c.deleteChart(new DeleteChartRequest().withChartId(id));
        }
      };
    }
    return new Ops() {
      public SdkResponse upload(InputStream in, String filename, String params) {
        return c.uploadAutopilotChart(new UploadAutopilotChartRequest().withBody(new UploadAutopilotChartRequestBody().withParameters(params).withContent(in, filename)));
      }

      public SdkResponse list() {
        return c.listAutopilotCharts(new ListAutopilotChartsRequest());
      }

      public SdkResponse show(String id) {
        return c.showAutopilotChart(new ShowAutopilotChartRequest().withChartId(id));
      }

      public SdkResponse values(String id) {
        return c.showAutopilotChartValues(new ShowAutopilotChartValuesRequest().withChartId(id));
      }

      public SdkResponse quota() {
        return c.showAutopilotUserChartsQuotas(new ShowAutopilotUserChartsQuotasRequest());
      }

      public SdkStreamResponse download(String id) {
        return c.downloadAutopilotChart(new DownloadAutopilotChartRequest().withChartId(id));
      }

      public SdkResponse update(String id, InputStream in, String filename, String params) {
        return c.updateAutopilotChart(new UpdateAutopilotChartRequest().withChartId(id).withBody(new UpdateAutopilotChartRequestBody().withParameters(params).withContent(in, filename)));
      }

      public SdkResponse delete(String id) {
        return c.deleteAutopilotChart(new DeleteAutopilotChartRequest().withChartId(id));
      }
    };
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** The download's body is reachable only through consumeDownloadStream, which hands over the raw InputStream. */
  static boolean download(Ops o, String step, String id, Path uploaded) {
    try {
      SdkStreamResponse resp = o.download(id);
      byte[][] received = new byte[1][];
      resp.consumeDownloadStream(in -> {
        try {
          received[0] = in.readAllBytes();
        } catch (java.io.IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      Map<String, Object> m = line(step, true);
      m.put("status_code", resp.getHttpStatusCode());
      m.put("bytes", received[0].length);
      m.put("sha256", sha256(received[0]));
      if (uploaded != null) {
        byte[] sent = Files.readAllBytes(uploaded);
        m.put("uploaded_bytes", sent.length);
        m.put("uploaded_sha256", sha256(sent));
      }
      emit(m);
      return true;
    } catch (Exception err) {
      emit(errorLine(step, err));
      return false;
    }
  }

  static void lifecycle() throws Driver.StepFailed {
    String flavor = Driver.flavor();
    Path path = Path.of(env("EMU_CHART_PATH", null));
    String file = path.getFileName().toString();
    Ops o = ops(flavor, Driver.client(env("EMU_SK", null)));

    SdkResponse uploaded = step("upload", () -> o.upload(new FileInputStream(path.toFile()), file, "{\"skip_lint\":true,\"source\":\"package\"}"));
    String id = Driver.body(uploaded).path("id").asText();
    attempt("upload-duplicate", () -> o.upload(new FileInputStream(path.toFile()), file, null));
    attempt("upload-not-gzip", () -> o.upload(new ByteArrayInputStream("this is not a gzip file\n".getBytes(StandardCharsets.UTF_8)), "not-a-chart.tgz", null));
    step("list", o::list);
    step("show", () -> o.show(id));
    step("values", () -> o.values(id));
    step("quota", o::quota);
    if (!download(o, "download", id, path)) throw new Driver.StepFailed("download");
    // PUT is a re-upload of the same chart: same name, same id afterwards.
    step("update", () -> o.update(id, new FileInputStream(path.toFile()), file, "{\"override\":true}"));
    step("show-after-update", () -> o.show(id));
    step("delete", () -> o.delete(id));
    attempt("show-deleted", () -> o.show(id));
    download(o, "download-deleted", id, null);
    // A multipart upload is signed with UNSIGNED-PAYLOAD; a wrong SK must still be refused, and store nothing.
    Ops wrong = ops(flavor, Driver.client(env("EMU_SK", null) + "-wrong"));
    attempt("upload-wrong-secret", () -> wrong.upload(new FileInputStream(path.toFile()), file, null));
    step("list-after-wrong-secret", o::list);
  }
}
