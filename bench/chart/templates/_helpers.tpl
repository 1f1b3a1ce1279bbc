{{/* The hosts of a service, lowercased, the platform's domain appended to those without a dot. */}}
{{- define "exposure.hosts" -}}
{{- $domain := .domain -}}
{{- range .hosts }}
{{- $h := lower . }}
- {{ if and $domain (not (contains "." $h)) }}{{ printf "%s.%s" $h $domain }}{{ else }}{{ $h }}{{ end }}
{{- end }}
{{- end }}

{{- define "exposure.meta" -}}
metadata:
  annotations:
    exposure.krmfn.io/owner: {{ .owner }}
  labels:
    app.kubernetes.io/managed-by: krm-fn
  name: {{ .name }}
  namespace: {{ .namespace }}
{{- end }}
