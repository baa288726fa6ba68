// Drives the emulator with the official Huawei Cloud Go SDK (huaweicloud-sdk-go-v3, pinned in
// go.mod) and prints one JSON line per step, like ../cce_ops.py. The Go SDK is the strictest
// decoder: a field of the wrong JSON type, or a list that is not a bare array, is an error here.
//
// Environment: EMU_ENDPOINT, EMU_AK, EMU_SK, EMU_PROJECT_ID, EMU_CLUSTER_ID, EMU_CHART_ID,
// EMU_FLAVOR (cce | autopilot); optional EMU_NAMESPACE (default), EMU_RELEASE_NAME
// (go-<flavor>), EMU_POLL_TIMEOUT seconds (10).
//
// Steps: create → wait-deployed-after-create → list, list-by-chart, list-by-namespace → show
// (show_resources on cce; the autopilot request has no such field in v0.1.188) → upgrade →
// wait-deployed-after-upgrade → rollback (release_version 1, values null) →
// wait-deployed-after-rollback → history → delete → wait-deleted (404) → show-missing (404) →
// list-wrong-secret (401). Exit 1 at the first step that must succeed and did not; 2 for usage.
//
// `cce-go-driver chart` runs the chart steps instead, with EMU_CHART_PATH naming a package the
// emulator does not hold yet (EMU_CHART_ID and EMU_CLUSTER_ID are not used): upload (multipart,
// def.FilePart) → list → show → values → quota → download (sha256 of both sides) → update
// (re-upload, override) → delete → show-deleted (404).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/def"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	cce "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/cce/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/cce/v3/model"
)

type ctx struct {
	client    *cce.CceClient
	flavor    string
	cluster   string
	chart     string
	namespace string
	name      string
	timeout   time.Duration
}

type stepFailed struct{ step string }

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	if fallback == "" {
		fmt.Fprintf(os.Stderr, "go driver: missing required environment variable %s\n", name)
		os.Exit(2)
	}
	return fallback
}

func s(v string) *string { return &v }

func newClient(sk string) *cce.CceClient {
	auth, err := basic.NewCredentialsBuilder().
		WithAk(env("EMU_AK", "")).WithSk(sk).
		WithProjectId(env("EMU_PROJECT_ID", "")). // explicit: no IAM lookup
		SafeBuild()
	if err != nil {
		fmt.Fprintln(os.Stderr, "credentials:", err)
		os.Exit(2)
	}
	hc, err := cce.CceClientBuilder().
		WithEndpoints([]string{env("EMU_ENDPOINT", "")}). // no WithRegion: it would replace the endpoints
		WithCredential(auth).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(30 * time.Second)).
		SafeBuild()
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(2)
	}
	return cce.NewCceClient(hc)
}

func emit(line map[string]interface{}) {
	out, _ := json.Marshal(line)
	fmt.Println(string(out))
}

// asMap re-reads a decoded SDK response as JSON, so the caller sees what the Go types held.
func asMap(resp interface{}) interface{} {
	raw, _ := json.Marshal(resp)
	var v interface{}
	_ = json.Unmarshal(raw, &v)
	return v
}

func errorLine(step string, err error) map[string]interface{} {
	if se, ok := err.(*sdkerr.ServiceResponseError); ok {
		return map[string]interface{}{"step": step, "ok": false, "exception": "ServiceResponseError", "status_code": se.StatusCode,
			"error_code": se.ErrorCode, "error_msg": se.ErrorMessage, "request_id": se.RequestId}
	}
	return map[string]interface{}{"step": step, "ok": false, "exception": fmt.Sprintf("%T", err), "error_msg": err.Error()}
}

// step runs a call that must succeed.
func step(name string, status func() int, call func() (interface{}, error)) interface{} {
	resp, err := call()
	if err != nil {
		emit(errorLine(name, err))
		panic(stepFailed{name})
	}
	emit(map[string]interface{}{"step": name, "ok": true, "status_code": status(), "body": asMap(resp)})
	return resp
}

// attempt runs a call that is expected to fail; it never stops the run.
func attempt(name string, call func() (interface{}, error)) {
	resp, err := call()
	if err != nil {
		emit(errorLine(name, err))
		return
	}
	emit(map[string]interface{}{"step": name, "ok": true, "body": asMap(resp)})
}

// Flavour-independent operations; each returns the decoded response and its HTTP status.
type ops struct {
	create  func(body *model.CreateReleaseReqBody) (interface{}, int, error)
	list    func(chartID, namespace *string) (interface{}, int, error)
	show    func(name string, resources bool) (interface{}, int, error)
	update  func(body *model.UpdateReleaseReqBody) (interface{}, int, error)
	history func() (interface{}, int, error)
	delete  func() (interface{}, int, error)
}

func opsFor(c *ctx, client *cce.CceClient) ops {
	ns, name, cl := c.namespace, c.name, c.cluster
	if c.flavor == "cce" {
		return ops{
			create: func(b *model.CreateReleaseReqBody) (interface{}, int, error) {
				r, err := client.CreateRelease(&model.CreateReleaseRequest{ClusterId: cl, Body: b})
				return r, code(r, err, func() int { return r.HttpStatusCode }), err
			},
			list: func(chartID, namespace *string) (interface{}, int, error) {
				r, err := client.ListReleases(&model.ListReleasesRequest{ClusterId: cl, ChartId: chartID, Namespace: namespace})
				return r, code(r, err, func() int { return r.HttpStatusCode }), err
			},
			show: func(n string, resources bool) (interface{}, int, error) {
				req := &model.ShowReleaseRequest{ClusterId: cl, Namespace: ns, Name: n}
				if resources {
					req.ShowResources = s("true")
				}
				r, err := client.ShowRelease(req)
				return r, code(r, err, func() int { return r.HttpStatusCode }), err
			},
			update: func(b *model.UpdateReleaseReqBody) (interface{}, int, error) {
				r, err := client.UpdateRelease(&model.UpdateReleaseRequest{ClusterId: cl, Namespace: ns, Name: name, Body: b})
				return r, code(r, err, func() int { return r.HttpStatusCode }), err
			},
			history: func() (interface{}, int, error) {
				r, err := client.ShowReleaseHistory(&model.ShowReleaseHistoryRequest{ClusterId: cl, Namespace: ns, Name: name})
				return r, code(r, err, func() int { return r.HttpStatusCode }), err
			},
			delete: func() (interface{}, int, error) {
				r, err := client.DeleteRelease(&model.DeleteReleaseRequest{ClusterId: cl, Namespace: ns, Name: name})
				return r, code(r, err, func() int { return r.HttpStatusCode }), err
			},
		}
	}
	return ops{
		create: func(b *model.CreateReleaseReqBody) (interface{}, int, error) {
			r, err := client.CreateAutopilotRelease(&model.CreateAutopilotReleaseRequest{ClusterId: cl, Body: b})
			return r, code(r, err, func() int { return r.HttpStatusCode }), err
		},
		list: func(chartID, namespace *string) (interface{}, int, error) {
			r, err := client.ListAutopilotReleases(&model.ListAutopilotReleasesRequest{ClusterId: cl, ChartId: chartID, Namespace: namespace})
			return r, code(r, err, func() int { return r.HttpStatusCode }), err
		},
		show: func(n string, _ bool) (interface{}, int, error) {
			r, err := client.ShowAutopilotRelease(&model.ShowAutopilotReleaseRequest{ClusterId: cl, Namespace: ns, Name: n})
			return r, code(r, err, func() int { return r.HttpStatusCode }), err
		},
		update: func(b *model.UpdateReleaseReqBody) (interface{}, int, error) {
			r, err := client.UpdateAutopilotRelease(&model.UpdateAutopilotReleaseRequest{ClusterId: cl, Namespace: ns, Name: name, Body: b})
			return r, code(r, err, func() int { return r.HttpStatusCode }), err
		},
		history: func() (interface{}, int, error) {
			r, err := client.ShowAutopilotReleaseHistory(&model.ShowAutopilotReleaseHistoryRequest{ClusterId: cl, Namespace: ns, Name: name})
			return r, code(r, err, func() int { return r.HttpStatusCode }), err
		},
		delete: func() (interface{}, int, error) {
			r, err := client.DeleteAutopilotRelease(&model.DeleteAutopilotReleaseRequest{ClusterId: cl, Namespace: ns, Name: name})
			return r, code(r, err, func() int { return r.HttpStatusCode }), err
		},
	}
}

func code(resp interface{}, err error, get func() int) int {
	if err != nil {
		return 0
	}
	return get()
}

// run adapts an op to step()/attempt().
func run(call func() (interface{}, int, error)) (func() int, func() (interface{}, error)) {
	var status int
	return func() int { return status }, func() (interface{}, error) {
		r, st, err := call()
		status = st
		return r, err
	}
}

func doStep(name string, call func() (interface{}, int, error)) interface{} {
	st, c := run(call)
	return step(name, st, c)
}

func statusOf(resp interface{}) string {
	m, _ := asMap(resp).(map[string]interface{})
	v, _ := m["status"].(string)
	return v
}

func waitFor(c *ctx, o ops, name, wanted string) {
	deadline := time.Now().Add(c.timeout)
	for polls := 1; ; polls++ {
		r, st, err := o.show(c.name, false)
		if err != nil {
			line := errorLine(name, err)
			line["polls"] = polls
			emit(line)
			panic(stepFailed{name})
		}
		status := statusOf(r)
		if status == wanted {
			emit(map[string]interface{}{"step": name, "ok": true, "status_code": st, "body": asMap(r), "polls": polls})
			return
		}
		if status == "FAILED" || status == "UNKNOWN" || time.Now().After(deadline) {
			emit(map[string]interface{}{"step": name, "ok": false, "exception": "WaitFailed", "body": asMap(r), "polls": polls,
				"error_msg": fmt.Sprintf("waiting for %s; last status %s", wanted, status)})
			panic(stepFailed{name})
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func waitGone(c *ctx, o ops, name string) {
	deadline := time.Now().Add(c.timeout)
	for polls := 1; ; polls++ {
		r, _, err := o.show(c.name, false)
		if err != nil {
			line := errorLine(name, err)
			line["polls"] = polls
			if se, ok := err.(*sdkerr.ServiceResponseError); ok && se.StatusCode == 404 {
				line["ok"] = true
				emit(line)
				return
			}
			emit(line)
			panic(stepFailed{name})
		}
		if time.Now().After(deadline) {
			emit(map[string]interface{}{"step": name, "ok": false, "exception": "WaitFailed", "body": asMap(r), "polls": polls,
				"error_msg": "timed out waiting for 404; last status " + statusOf(r)})
			panic(stepFailed{name})
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func lifecycle(c *ctx) {
	o := opsFor(c, c.client)
	one := int32(1)
	doStep("create", func() (interface{}, int, error) {
		return o.create(&model.CreateReleaseReqBody{
			ChartId: c.chart, Name: c.name, Namespace: c.namespace, Version: "1.0.0",
			Description: s("created by the Go SDK conformance driver"),
			// Parameters left nil: omitted. Values is required and serialised even when nil.
			Values: &model.CreateReleaseReqBodyValues{ImageTag: s("v2"), ImagePullPolicy: s("IfNotPresent")},
		})
	})
	waitFor(c, o, "wait-deployed-after-create", "DEPLOYED")
	doStep("list", func() (interface{}, int, error) { return o.list(nil, nil) })
	doStep("list-by-chart", func() (interface{}, int, error) { return o.list(s(c.chart), nil) })
	doStep("list-by-namespace", func() (interface{}, int, error) { return o.list(nil, s(c.namespace)) })
	doStep("list-by-other-namespace", func() (interface{}, int, error) { return o.list(nil, s(c.namespace+"-none")) })
	doStep("show", func() (interface{}, int, error) { return o.show(c.name, true) })
	doStep("upgrade", func() (interface{}, int, error) {
		return o.update(&model.UpdateReleaseReqBody{ChartId: c.chart, Action: model.GetUpdateReleaseReqBodyActionEnum().UPGRADE,
			Parameters: &model.ReleaseReqBodyParams{}, Values: &model.CreateReleaseReqBodyValues{ImageTag: s("v3")}})
	})
	waitFor(c, o, "wait-deployed-after-upgrade", "DEPLOYED")
	doStep("rollback", func() (interface{}, int, error) {
		// Values nil: the Go SDK sends "values": null, which the emulator must accept.
		return o.update(&model.UpdateReleaseReqBody{ChartId: c.chart, Action: model.GetUpdateReleaseReqBodyActionEnum().ROLLBACK,
			Parameters: &model.ReleaseReqBodyParams{ReleaseVersion: &one}})
	})
	waitFor(c, o, "wait-deployed-after-rollback", "DEPLOYED")
	doStep("history", o.history)
	doStep("delete", o.delete)
	waitGone(c, o, "wait-deleted")
	attempt("show-missing", func() (interface{}, error) {
		r, _, err := o.show(c.name+"-missing", false)
		return r, err
	})
	wrong := opsFor(c, newClient(env("EMU_SK", "")+"-wrong"))
	attempt("list-wrong-secret", func() (interface{}, error) {
		r, _, err := wrong.list(nil, nil)
		return r, err
	})
}

// Chart operations of one flavour. Upload and update open the package themselves: the SDK's
// def.FilePart streams an *os.File into the "content" part (filename = its base name) and
// def.MultiPart writes "parameters" as a text part before it.
type chartOps struct {
	upload   func(path, params string) (interface{}, int, error)
	list     func() (interface{}, int, error)
	show     func(id string) (interface{}, int, error)
	values   func(id string) (interface{}, int, error)
	quota    func() (interface{}, int, error)
	update   func(id, path, params string) (interface{}, int, error)
	delete   func(id string) (interface{}, int, error)
	download func(id string) (io.ReadCloser, int, error)
}

func withFile(path string, call func(f *os.File) (interface{}, int, error)) (interface{}, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	return call(f)
}

func chartOpsFor(flavor string, client *cce.CceClient) chartOps {
	if flavor == "cce" {
		return chartOps{
			upload: func(path, params string) (interface{}, int, error) {
				return withFile(path, func(f *os.File) (interface{}, int, error) {
					r, err := client.UploadChart(&model.UploadChartRequest{Body: &model.UploadChartRequestBody{
						Parameters: def.NewMultiPart(params), Content: def.NewFilePart(f)}})
					return r, code(r, err, func() int { return r.HttpStatusCode }), err
				})
			},
			list: func() (interface{}, int, error) {
				r, err := client.ListCharts(&model.ListChartsRequest{})
				return r, code(r, err, func() int { return r.HttpStatusCode }), err
			},
			show: func(id string) (interface{}, int, error) {
				r, err := client.ShowChart(&model.ShowChartRequest{ChartId: id})
				return r, code(r, err, func() int { return r.HttpStatusCode }), err
			},
			values: func(id string) (interface{}, int, error) {
				r, err := client.ShowChartValues(&model.ShowChartValuesRequest{ChartId: id})
				return r, code(r, err, func() int { return r.HttpStatusCode }), err
			},
			quota: func() (interface{}, int, error) {
				r, err := client.ShowUserChartsQuotas(&model.ShowUserChartsQuotasRequest{})
				return r, code(r, err, func() int { return r.HttpStatusCode }), err
			},
			update: func(id, path, params string) (interface{}, int, error) {
				return withFile(path, func(f *os.File) (interface{}, int, error) {
					r, err := client.UpdateChart(&model.UpdateChartRequest{ChartId: id, Body: &model.UpdateChartRequestBody{
						Parameters: def.NewMultiPart(params), Content: def.NewFilePart(f)}})
					return r, code(r, err, func() int { return r.HttpStatusCode }), err
				})
			},
			delete: func(id string) (interface{}, int, error) {
				r, err := client.DeleteChart(&model.DeleteChartRequest{ChartId: id})
				return r, code(r, err, func() int { return r.HttpStatusCode }), err
			},
			download: func(id string) (io.ReadCloser, int, error) {
				r, err := client.DownloadChart(&model.DownloadChartRequest{ChartId: id})
				if err != nil {
					return nil, 0, err
				}
				return r.Body, r.HttpStatusCode, nil
			},
		}
	}
	return chartOps{
		upload: func(path, params string) (interface{}, int, error) {
			return withFile(path, func(f *os.File) (interface{}, int, error) {
				r, err := client.UploadAutopilotChart(&model.UploadAutopilotChartRequest{Body: &model.UploadAutopilotChartRequestBody{
					Parameters: def.NewMultiPart(params), Content: def.NewFilePart(f)}})
				return r, code(r, err, func() int { return r.HttpStatusCode }), err
			})
		},
		list: func() (interface{}, int, error) {
			r, err := client.ListAutopilotCharts(&model.ListAutopilotChartsRequest{})
			return r, code(r, err, func() int { return r.HttpStatusCode }), err
		},
		show: func(id string) (interface{}, int, error) {
			r, err := client.ShowAutopilotChart(&model.ShowAutopilotChartRequest{ChartId: id})
			return r, code(r, err, func() int { return r.HttpStatusCode }), err
		},
		values: func(id string) (interface{}, int, error) {
			r, err := client.ShowAutopilotChartValues(&model.ShowAutopilotChartValuesRequest{ChartId: id})
			return r, code(r, err, func() int { return r.HttpStatusCode }), err
		},
		quota: func() (interface{}, int, error) {
			r, err := client.ShowAutopilotUserChartsQuotas(&model.ShowAutopilotUserChartsQuotasRequest{})
			return r, code(r, err, func() int { return r.HttpStatusCode }), err
		},
		update: func(id, path, params string) (interface{}, int, error) {
			return withFile(path, func(f *os.File) (interface{}, int, error) {
				r, err := client.UpdateAutopilotChart(&model.UpdateAutopilotChartRequest{ChartId: id, Body: &model.UpdateAutopilotChartRequestBody{
					Parameters: def.NewMultiPart(params), Content: def.NewFilePart(f)}})
				return r, code(r, err, func() int { return r.HttpStatusCode }), err
			})
		},
		delete: func(id string) (interface{}, int, error) {
			r, err := client.DeleteAutopilotChart(&model.DeleteAutopilotChartRequest{ChartId: id})
			return r, code(r, err, func() int { return r.HttpStatusCode }), err
		},
		download: func(id string) (io.ReadCloser, int, error) {
			r, err := client.DownloadAutopilotChart(&model.DownloadAutopilotChartRequest{ChartId: id})
			if err != nil {
				return nil, 0, err
			}
			return r.Body, r.HttpStatusCode, nil
		},
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func chartLifecycle(c *ctx) {
	path := env("EMU_CHART_PATH", "")
	uploadedBytes, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go driver:", err)
		os.Exit(2)
	}
	o := chartOpsFor(c.flavor, c.client)
	uploaded := doStep("upload", func() (interface{}, int, error) { return o.upload(path, `{"source":"package"}`) })
	m, _ := asMap(uploaded).(map[string]interface{})
	id, _ := m["id"].(string)
	doStep("list", o.list)
	doStep("show", func() (interface{}, int, error) { return o.show(id) })
	doStep("values", func() (interface{}, int, error) { return o.values(id) })
	doStep("quota", o.quota)

	body, st, err := o.download(id)
	var received []byte
	if err == nil {
		received, err = io.ReadAll(body)
		body.Close()
	}
	if err != nil {
		emit(errorLine("download", err))
		panic(stepFailed{"download"})
	}
	emit(map[string]interface{}{"step": "download", "ok": true, "status_code": st, "bytes": len(received),
		"sha256": sha256Hex(received), "uploaded_bytes": len(uploadedBytes), "uploaded_sha256": sha256Hex(uploadedBytes)})

	doStep("update", func() (interface{}, int, error) { return o.update(id, path, `{"override":true}`) })
	doStep("delete", func() (interface{}, int, error) { return o.delete(id) })
	attempt("show-deleted", func() (interface{}, error) {
		r, _, err := o.show(id)
		return r, err
	})
}

func main() {
	mode := "release"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	if mode != "release" && mode != "chart" {
		fmt.Fprintln(os.Stderr, "usage: cce-go-driver [release|chart]")
		os.Exit(2)
	}
	flavor := env("EMU_FLAVOR", "cce")
	if flavor != "cce" && flavor != "autopilot" {
		fmt.Fprintln(os.Stderr, "go driver: EMU_FLAVOR must be cce or autopilot")
		os.Exit(2)
	}
	timeout, err := strconv.ParseFloat(env("EMU_POLL_TIMEOUT", "10"), 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go driver: EMU_POLL_TIMEOUT must be a number of seconds")
		os.Exit(2)
	}
	c := &ctx{
		client:    newClient(env("EMU_SK", "")),
		flavor:    flavor,
		namespace: env("EMU_NAMESPACE", "default"),
		name:      env("EMU_RELEASE_NAME", "go-"+flavor),
		timeout:   time.Duration(timeout * float64(time.Second)),
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stepFailed); ok {
				os.Exit(1)
			}
			panic(r)
		}
	}()
	if mode == "chart" {
		chartLifecycle(c)
		return
	}
	c.cluster = env("EMU_CLUSTER_ID", "")
	c.chart = env("EMU_CHART_ID", "")
	lifecycle(c)
}
