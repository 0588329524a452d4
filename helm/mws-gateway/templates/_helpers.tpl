{{/* Chart name, truncated to the 63 characters Kubernetes names allow. */}}
{{- define "mws-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mws-gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "mws-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mws-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mws-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "mws-gateway.labels" -}}
helm.sh/chart: {{ include "mws-gateway.chart" . }}
{{ include "mws-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "mws-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mws-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the gateway reads its environment from: existingSecret or the chart's own. */}}
{{- define "mws-gateway.secretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else if .Values.secret.create }}
{{- include "mws-gateway.fullname" . }}
{{- end }}
{{- end }}

{{/* Whether the chart generates and keeps the NextToken key (see tokenKey in values.yaml). */}}
{{- define "mws-gateway.generateTokenKey" -}}
{{- $inConfig := hasKey (.Values.gateway.config | default dict) "token_key" }}
{{- $inChartSecret := and .Values.secret.create (hasKey (.Values.secret.stringData | default dict) "MWS_GATEWAY_TOKEN_KEY") }}
{{- if and .Values.tokenKey.generate (not $inConfig) (not $inChartSecret) }}true{{ end }}
{{- end }}

{{- define "mws-gateway.tokenKeySecretName" -}}
{{- printf "%s-token-key" (include "mws-gateway.fullname" . | trunc 53 | trimSuffix "-") }}
{{- end }}

{{/* The drain grace the gateway gets: what terminationGracePeriodSeconds leaves. */}}
{{- define "mws-gateway.shutdownGraceSeconds" -}}
{{- sub (int .Values.terminationGracePeriodSeconds) (add (int .Values.preStopDelaySeconds) (int .Values.shutdown.readinessDelaySeconds) (int .Values.shutdown.marginSeconds)) }}
{{- end }}

{{- define "mws-gateway.redisConfigured" -}}
{{- if or .Values.redis.url .Values.redis.urlSecretKey }}true{{ end }}
{{- end }}

{{/* Checks the schema cannot express; rendering stops with a clear message. */}}
{{- define "mws-gateway.validate" -}}
{{- $multi := or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled }}
{{- if and $multi (not (include "mws-gateway.redisConfigured" .)) }}
{{- fail "mws-gateway: more than one replica (replicaCount > 1 or autoscaling.enabled) needs redis.url or redis.urlSecretKey: without Redis each pod keeps its own MWS quota buckets, so the quotas would not be shared" }}
{{- end }}
{{- if and (or .Values.redis.urlSecretKey .Values.postgresql.urlSecretKey) (not (include "mws-gateway.secretName" .)) }}
{{- fail "mws-gateway: redis.urlSecretKey / postgresql.urlSecretKey need existingSecret (or secret.create)" }}
{{- end }}
{{- if and .Values.redis.url .Values.redis.urlSecretKey }}
{{- fail "mws-gateway: set redis.url or redis.urlSecretKey, not both" }}
{{- end }}
{{- if and .Values.postgresql.url .Values.postgresql.urlSecretKey }}
{{- fail "mws-gateway: set postgresql.url or postgresql.urlSecretKey, not both" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (lt (int .Values.autoscaling.maxReplicas) (int .Values.autoscaling.minReplicas)) }}
{{- fail "mws-gateway: autoscaling.maxReplicas must not be below autoscaling.minReplicas" }}
{{- end }}
{{- if and .Values.existingSecret .Values.secret.create }}
{{- fail "mws-gateway: set existingSecret or secret.create, not both" }}
{{- end }}
{{- if lt (int (include "mws-gateway.shutdownGraceSeconds" .)) 1 }}
{{- fail (printf "mws-gateway: terminationGracePeriodSeconds (%d) leaves no shutdown grace after preStopDelaySeconds (%d), shutdown.readinessDelaySeconds (%d) and shutdown.marginSeconds (%d): raise it or lower those" (int .Values.terminationGracePeriodSeconds) (int .Values.preStopDelaySeconds) (int .Values.shutdown.readinessDelaySeconds) (int .Values.shutdown.marginSeconds)) }}
{{- end }}
{{- end }}

{{/* ConfigMap key for a mapping file path (keys cannot hold "/"). */}}
{{- define "mws-gateway.mappingKey" -}}
{{- . | replace "/" "__" }}
{{- end }}
