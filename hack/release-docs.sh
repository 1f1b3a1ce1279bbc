#!/usr/bin/env bash
# Names a release in the docs: every versioned reference a user copies
# (go install ...@vX.Y.Z, pre-commit's rev:, the Argo CD component's ?ref=
# and newTag:, the images' tags) becomes VERSION. Usage:
# hack/release-docs.sh vX.Y.Z [DIR] (DIR: the repository, default this one).
# docs/release.md says when; e2e's TestDocsNameOneRelease checks that the
# docs name one release and that this script renames all of it.
set -euo pipefail
version=${1:?usage: hack/release-docs.sh vX.Y.Z [DIR]}
[[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "release-docs: $version is no vX.Y.Z" >&2; exit 2; }
dir=${2:-$(cd "$(dirname "$0")/.." && pwd)}
v='v[0-9]+\.[0-9]+\.[0-9]+'
cd "$dir"
for f in README.md docs/*.md deploy/argocd/*.yaml; do
	sed -E -i \
		-e "s#(cmd/krm-fn@)$v#\1$version#g" \
		-e "s#(rev: )$v#\1$version#g" \
		-e "s#(deploy/argocd\?ref=)$v#\1$version#g" \
		-e "s#(newTag: )$v#\1$version#g" \
		-e "s#(ghcr\.io/krmfn/krm-fn(-argocd-cmp)?:)$v#\1$version#g" \
		"$f"
done
