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
{{- if and .Values.notifications.bridge.enabled (not .Values.notifications.sourceQueueUrl) }}
{{- fail "mws-gateway: notifications.bridge.enabled needs notifications.sourceQueueUrl (the queue SP-API delivers to)" }}
{{- end }}
{{- if and .Values.notifications.bridge.enabled (not (or .Values.postgresql.url .Values.postgresql.urlSecretKey)) }}
{{- fail "mws-gateway: notifications.bridge.enabled needs postgresql.url or postgresql.urlSecretKey: the bridge routes by the subscriptions the gateway pods record, which a pod's own SQLite file would not share" }}
{{- end }}
{{- if lt (int (include "mws-gateway.shutdownGraceSeconds" .)) 1 }}
{{- fail (printf "mws-gateway: terminationGracePeriodSeconds (%d) leaves no shutdown grace after preStopDelaySeconds (%d), shutdown.readinessDelaySeconds (%d) and shutdown.marginSeconds (%d): raise it or lower those" (int .Values.terminationGracePeriodSeconds) (int .Values.preStopDelaySeconds) (int .Values.shutdown.readinessDelaySeconds) (int .Values.shutdown.marginSeconds)) }}
{{- end }}
{{- end }}

{{/* ConfigMap key for a mapping file path (keys cannot hold "/"). */}}
{{- define "mws-gateway.mappingKey" -}}
{{- . | replace "/" "__" }}
{{- end }}

{{/* The bridge's names: its own app name, so the gateway's Service never selects its pods. */}}
{{- define "mws-gateway.bridgeName" -}}
{{- printf "%s-bridge" (include "mws-gateway.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mws-gateway.bridgeSelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-bridge" (include "mws-gateway.name" .) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: notification-bridge
{{- end }}

{{/* Environment of the notifications, shared by the gateway and the bridge. */}}
{{- define "mws-gateway.notificationsEnv" -}}
{{- with .Values.notifications.sourceQueueUrl }}
- name: MWS_GATEWAY_NOTIFICATIONS_QUEUE_URL
  value: {{ . | quote }}
{{- end }}
{{- with .Values.notifications.deadLetterQueueUrl }}
- name: MWS_GATEWAY_NOTIFICATIONS_DLQ_URL
  value: {{ . | quote }}
{{- end }}
{{- with .Values.notifications.sqsEndpoint }}
- name: MWS_GATEWAY_SQS_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- if .Values.notifications.sourceQueueUrl }}
- name: AWS_REGION
  value: {{ .Values.notifications.region | quote }}
{{- end }}
{{- end }}

{{/* The durable store's URL (PostgreSQL), shared by the gateway and the bridge. */}}
{{- define "mws-gateway.databaseEnv" -}}
{{- $secretName := include "mws-gateway.secretName" . }}
{{- if .Values.postgresql.url }}
- name: MWS_GATEWAY_DATABASE_URL
  value: {{ .Values.postgresql.url | quote }}
{{- else if .Values.postgresql.urlSecretKey }}
- name: MWS_GATEWAY_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ .Values.postgresql.urlSecretKey }}
{{- end }}
{{- end }}
