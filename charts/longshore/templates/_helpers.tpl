{{/* The chart name, or nameOverride. It is also the metrics job label the alerts select (job="longshore"). */}}
{{- define "longshore.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name: fullnameOverride, or <release>-<name> unless the release name already contains it. */}}
{{- define "longshore.fullname" -}}
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

{{- define "longshore.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the controller pods; never change them on upgrade (Deployment selectors are immutable). */}}
{{- define "longshore.selectorLabels" -}}
app.kubernetes.io/name: {{ include "longshore.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end }}

{{- define "longshore.labels" -}}
helm.sh/chart: {{ include "longshore.chart" . }}
{{ include "longshore.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: longshore
{{- end }}

{{- define "longshore.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "longshore.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name must name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* values.yaml budgets key → LONGSHORE_BUDGET_* suffix, exactly as controller/aws/budgets.ts budgetEnvName. */}}
{{- define "longshore.budgetEnvNames" -}}
taskDefinitionModify: TASK_DEFINITION_MODIFY
taskDefinitionRead: TASK_DEFINITION_READ
clusterResourceModify: CLUSTER_RESOURCE_MODIFY
clusterResourceRead: CLUSTER_RESOURCE_READ
clusterRead: CLUSTER_READ
fargateRunTaskCalls: FARGATE_RUN_TASK_CALLS
fargateLaunches: FARGATE_LAUNCHES
fargateSpotLaunches: FARGATE_SPOT_LAUNCHES
ec2Describe: EC2_DESCRIBE
logsRead: LOGS_READ
{{- end }}

{{/* The pod's terminationGracePeriodSeconds: the controller's shutdown grace, its own 10 s overrun margin, and 10 s headroom. */}}
{{- define "longshore.terminationGracePeriodSeconds" -}}
{{- add (int .Values.controller.shutdownGraceSeconds) 20 }}
{{- end }}

{{/* A resource list without empty quantities (an empty cpu limit means "no limit"). */}}
{{- define "longshore.resourceList" -}}
{{- range $name, $quantity := . }}
{{- if ne (toString $quantity) "" }}
{{ $name }}: {{ $quantity | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The threshold comparison of each alert that has one, exactly as its expression in alerts/ writes it.
prometheusRule.alertOverrides.<Alert>.threshold replaces it; an alert file whose comparison changes must
change here too (rendering fails, naming the alert, until it does).
*/}}
{{- define "longshore.alertThresholds" -}}
LongshoreEcsThrottlingSustained: "> 0.05"
LongshoreQueueBacklogGrowing: "> 100"
LongshoreReconcileErrors: "> 0.1"
LongshoreTaskDefinitionRegistrationConflicts: "> 3"
{{- end }}

{{/* Every alertOverrides key names an alert in alerts/, and a threshold only where the alert has one. */}}
{{- define "longshore.checkAlertOverrides" -}}
{{- $names := list }}
{{- range $path, $_ := .Files.Glob "alerts/*.yaml" }}
{{- $names = append $names ($.Files.Get $path | fromYaml).alert }}
{{- end }}
{{- $thresholds := include "longshore.alertThresholds" . | fromYaml }}
{{- range $name, $override := .Values.prometheusRule.alertOverrides }}
{{- if not (has $name $names) }}
{{- fail (printf "prometheusRule.alertOverrides.%s: no such alert (alerts: %s)" $name (join ", " (sortAlpha $names))) }}
{{- end }}
{{- if and (hasKey $override "threshold") (not (hasKey $thresholds $name)) }}
{{- fail (printf "prometheusRule.alertOverrides.%s.threshold: this alert has no threshold to override (alerts with one: %s)" $name (join ", " (sortAlpha (keys $thresholds)))) }}
{{- end }}
{{- end }}
{{- end }}

{{/* Applies one alert's override (for, severity, threshold) to its rule in place: (list $rule $override). */}}
{{- define "longshore.overrideAlert" -}}
{{- $rule := index . 0 }}
{{- $override := index . 1 }}
{{- with $override.for }}
{{- $_ := set $rule "for" . }}
{{- end }}
{{- with $override.severity }}
{{- $_ := set $rule.labels "severity" . }}
{{- end }}
{{- if hasKey $override "threshold" }}
{{- $comparison := get (include "longshore.alertThresholds" . | fromYaml) $rule.alert }}
{{- if ne (len (splitList $comparison $rule.expr)) 2 }}
{{- fail (printf "alert %s: its expression no longer contains %q exactly once; update longshore.alertThresholds in _helpers.tpl" $rule.alert $comparison) }}
{{- end }}
{{- $operator := first (splitList " " $comparison) }}
{{- $_ := set $rule "expr" (replace $comparison (printf "%s %v" $operator $override.threshold) $rule.expr) }}
{{- end }}
{{- end }}
