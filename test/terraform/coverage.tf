# Applied beside the README's "### Terraform" config (main.tf, extracted as written): the Autopilot
# twins of its chart and release, and every chart/release data source of both flavours.
# depends_on defers each data source to apply time whenever its resource changes, so it reads the
# state that apply left (an argument alone would let the plan read it before the release exists).

resource "huaweicloud_cce_autopilot_chart" "redis" {
  content = "redis-lite-0.3.0.tgz"
}

resource "huaweicloud_cce_autopilot_release" "cache" {
  cluster_id = "ap1"
  namespace  = "default"
  name       = "cache"
  chart_id   = huaweicloud_cce_autopilot_chart.redis.id
  version    = huaweicloud_cce_autopilot_chart.redis.version
  # The Autopilot release has no values_json: only this (deprecated on CCE) block.
  values {
    image_tag = "7.2"
  }
}

data "huaweicloud_cce_charts" "all" {
  depends_on = [huaweicloud_cce_chart.nginx]
}

data "huaweicloud_cce_chart_values" "nginx" {
  chart_id = huaweicloud_cce_chart.nginx.id
}

data "huaweicloud_cce_releases" "web" {
  cluster_id = huaweicloud_cce_release.web.cluster_id
  namespace  = huaweicloud_cce_release.web.namespace
  chart_id   = huaweicloud_cce_chart.nginx.id
  depends_on = [huaweicloud_cce_release.web]
}

data "huaweicloud_cce_release_history" "web" {
  cluster_id = huaweicloud_cce_release.web.cluster_id
  namespace  = huaweicloud_cce_release.web.namespace
  name       = huaweicloud_cce_release.web.name
  depends_on = [huaweicloud_cce_release.web]
}

data "huaweicloud_cce_autopilot_charts" "all" {
  depends_on = [huaweicloud_cce_autopilot_chart.redis]
}

data "huaweicloud_cce_autopilot_chart_values" "redis" {
  chart_id = huaweicloud_cce_autopilot_chart.redis.id
}

data "huaweicloud_cce_autopilot_releases" "cache" {
  cluster_id = huaweicloud_cce_autopilot_release.cache.cluster_id
  namespace  = huaweicloud_cce_autopilot_release.cache.namespace
  depends_on = [huaweicloud_cce_autopilot_release.cache]
}

data "huaweicloud_cce_autopilot_release_history" "cache" {
  cluster_id = huaweicloud_cce_autopilot_release.cache.cluster_id
  namespace  = huaweicloud_cce_autopilot_release.cache.namespace
  name       = huaweicloud_cce_autopilot_release.cache.name
  depends_on = [huaweicloud_cce_autopilot_release.cache]
}

output "cce_charts" {
  value = [for c in data.huaweicloud_cce_charts.all.charts : { id = c.id, name = c.name, version = c.version }]
}
output "cce_chart_values" {
  value = data.huaweicloud_cce_chart_values.nginx.values
}
output "cce_releases" {
  value = [for r in data.huaweicloud_cce_releases.web.releases : { name = r.name, status = r.status, values = r.values }]
}
output "cce_history" {
  value = [for r in data.huaweicloud_cce_release_history.web.releases : { version = r.version, status = r.status, values = r.values }]
}
output "autopilot_charts" {
  value = [for c in data.huaweicloud_cce_autopilot_charts.all.charts : { id = c.id, name = c.name, version = c.version }]
}
output "autopilot_chart_values" {
  value = data.huaweicloud_cce_autopilot_chart_values.redis.values
}
output "autopilot_releases" {
  value = [for r in data.huaweicloud_cce_autopilot_releases.cache.releases : { name = r.name, status = r.status, values = r.values }]
}
output "autopilot_history" {
  value = [for r in data.huaweicloud_cce_autopilot_release_history.cache.releases : { version = r.version, status = r.status, values = r.values }]
}
