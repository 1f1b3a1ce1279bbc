package fn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/internal/parallel"
	"github.com/krmfn/krm-fn/internal/yamlout"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// decodePlatform decodes, defaults and validates the platform of node
// (nil: the built-in defaults). ok is false when it has problems: the
// exposures are then checked on their own, not resolved.
func decodePlatform(node *yaml.RNode) (platform *v1alpha1.ExposurePlatform, ok bool, ps []problem) {
	platform = &v1alpha1.ExposurePlatform{}
	if node == nil {
		platform.Default()
		return platform, true, nil
	}
	errs := decode(node, platform)
	var warnings field.ErrorList
	if len(errs) == 0 {
		warnings = platform.Warnings()
	}
	platform.Default()
	errs = validated(errs, platform.Validate())
	ps = fieldProblems(node, framework.Error, errs)
	for _, w := range warnings {
		ps = append(ps, problem{node: node, severity: framework.Warning, field: w.Field, message: w.Detail})
	}
	return platform, len(errs) == 0, ps
}

// decodeExposures decodes the exposures of nodes, strictly, on every
// CPU: each exposure as far as it decodes (nil: nothing to judge), and
// the errors of decoding it, for resolve to report with the rest.
func decodeExposures(nodes []*yaml.RNode) ([]*v1alpha1.ServiceExposure, []field.ErrorList) {
	specs := make([]*v1alpha1.ServiceExposure, len(nodes))
	errs := make([]field.ErrorList, len(nodes))
	_ = parallel.Run(len(nodes), func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			specs[i], errs[i] = guarded(func() (*v1alpha1.ServiceExposure, field.ErrorList) { return decodeExposure(nodes[i]) })
		}
		return nil
	})
	return specs, errs
}

// decodeExposure decodes the exposure of n: what did decode, for
// validation to judge too, with the errors of what did not; nil when
// there is no spec to judge.
func decodeExposure(n *yaml.RNode) (*v1alpha1.ServiceExposure, field.ErrorList) {
	e := &v1alpha1.ServiceExposure{}
	errs := decode(n, e)
	if spec := n.Field("spec"); spec == nil || yaml.IsYNodeNilOrEmpty(spec.Value.YNode()) {
		return nil, field.ErrorList{field.Required(field.NewPath("spec"), "a ServiceExposure needs at least spec.hosts and spec.service.port")}
	}
	return e, errs
}

// validated is the errors of decoding an object (decoding) and then
// validating what decoded (validation), each problem once: a field that
// did not decode was left out, so what validation says of it, of what it
// holds and of the list or map that holds it (a sum of weights, a
// required entry) is left out too.
func validated(decoding, validation field.ErrorList) field.ErrorList {
	if len(decoding) == 0 {
		return validation
	}
	errs := decoding
	for _, v := range validation {
		if !slices.ContainsFunc(decoding, func(d *field.Error) bool { return about(v.Field, d.Field) || meant(v, d) }) {
			errs = append(errs, v)
		}
	}
	return errs
}

// suggestion is the field an unknown field's error suggests.
var suggestion = regexp.MustCompile(`did you mean "([^"]+)"\?$`)

// meant says whether v is the required field whose misspelling d is: the
// suggestion already says what to do.
func meant(v, d *field.Error) bool {
	m := suggestion.FindStringSubmatch(d.Detail)
	if v.Type != field.ErrorTypeRequired || m == nil {
		return false
	}
	i := strings.LastIndexByte(d.Field, '.')
	return i >= 0 && v.Field == d.Field[:i+1]+m[1]
}

// about says whether a problem at path v is about the value at path d
// (both field.Path strings): the same field, a field under it, or the
// list or map that holds it (and each field up to that list or map).
func about(v, d string) bool {
	if under(v, d) {
		return true
	}
	// d's ancestors up to and including the nearest list or map.
	for p := d; p != ""; {
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			return false
		}
		last := p[i] == '['
		p = p[:i]
		if v == p {
			return true
		}
		if last {
			return false
		}
	}
	return false
}

// under says whether path v is d or a path under it.
func under(v, d string) bool {
	return d == "" || v == d || strings.HasPrefix(v, d) && (v[len(d)] == '.' || v[len(d)] == '[')
}

// typeError matches the one error encoding/json (as forked by
// sigs.k8s.io/json) reports for a value of the wrong type.
var typeError = regexp.MustCompile(`^json: cannot unmarshal (\w+)(?: (\S+))? into Go (?:struct field [A-Za-z0-9_]+\.(\S+)|value) of type (\S+)$`)

// decode reads node into into strictly: every duplicate field, value of
// the wrong type and unknown field is an error with its field path, all
// found in one pass over the document. What is left of into is what did
// decode (a value of the wrong type left out), for validation to judge
// the rest (validated).
func decode(node *yaml.RNode, into any) field.ErrorList {
	errs := duplicateKeys(node.YNode(), nil)
	data, err := yamlout.JSON(node)
	if err != nil {
		msg := strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n"), "\n", " ")
		return append(errs, &field.Error{Type: field.ErrorTypeInvalid, BadValue: field.OmitValueType{}, Detail: "cannot be read: " + strings.TrimSpace(msg)})
	}
	if data, err = expandShorthands(data, reflect.TypeOf(into)); err != nil {
		return append(errs, &field.Error{Type: field.ErrorTypeInvalid, BadValue: field.OmitValueType{}, Detail: "cannot be read: " + err.Error()})
	}
	strict, err := sigsjson.UnmarshalStrict(data, into)
	if err != nil {
		// encoding/json reports the first value of the wrong type only:
		// find them all, leave them out, and decode what is left.
		var wrong field.ErrorList
		if data, wrong = withoutWrongTypes(data, reflect.TypeOf(into)); len(wrong) > 0 {
			errs = append(errs, wrong...)
			fresh := reflect.New(reflect.TypeOf(into).Elem())
			strict, err = sigsjson.UnmarshalStrict(data, fresh.Interface())
			reflect.ValueOf(into).Elem().Set(fresh.Elem())
		}
		if err != nil {
			errs = append(errs, decodeError(err, node.YNode()))
		}
	}
	for _, e := range strict {
		if fe := strictError(e, reflect.TypeOf(into)); fe.Type != field.ErrorTypeDuplicate || !slices.ContainsFunc(errs, func(d *field.Error) bool { return d.Field == fe.Field }) {
			errs = append(errs, fe)
		}
	}
	return errs
}

// withoutWrongTypes is the JSON data of a value of type t (a pointer)
// with every value that does not fit its Go type replaced by null, and an
// error for each, at its path: what encoding/json would stop at, one at a
// time. A type with a decoder of its own (json.Unmarshaler) is judged by
// it.
func withoutWrongTypes(data []byte, t reflect.Type) ([]byte, field.ErrorList) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber() // numbers stay as written
	var v any
	if err := d.Decode(&v); err != nil {
		return data, nil
	}
	var errs field.ErrorList
	nullWrongTypes(&v, t, nil, &errs)
	if len(errs) == 0 {
		return data, nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return data, nil
	}
	return out, errs
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// nullWrongTypes replaces each value under *v (a value of type t, at
// path) that does not fit its Go type by null, and adds its error to errs.
// null decodes as nothing at all, and keeps the indices of a list.
func nullWrongTypes(v *any, t reflect.Type, path *field.Path, errs *field.ErrorList) {
	if *v == nil {
		return
	}
	wrong := func(not string) {
		*errs = append(*errs, &field.Error{Type: field.ErrorTypeTypeInvalid, Field: path.String(), BadValue: field.OmitValueType{}, Detail: "must be " + typeWordsOf(t) + ", not " + not})
		*v = nil
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		b, err := json.Marshal(*v)
		if err != nil {
			return
		}
		if err := reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(b); err != nil {
			not := articled(jsonKindOf(*v))
			if m := typeError.FindStringSubmatch(err.Error()); m != nil && m[2] != "" {
				not = m[2]
			}
			wrong(not)
		}
		return
	}
	switch t.Kind() {
	case reflect.Interface:
	case reflect.Struct, reflect.Map:
		m, ok := (*v).(map[string]any)
		if !ok {
			wrong(articled(jsonKindOf(*v)))
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			e := m[k]
			if t.Kind() == reflect.Map {
				nullWrongTypes(&e, t.Elem(), path.Key(k), errs)
			} else if f, ok := jsonField(t, k); ok {
				nullWrongTypes(&e, f.Type, path.Child(k), errs)
			}
			m[k] = e
		}
	case reflect.Slice:
		list, ok := (*v).([]any)
		if !ok {
			wrong(articled(jsonKindOf(*v)))
			return
		}
		for i := range list {
			nullWrongTypes(&list[i], t.Elem(), path.Index(i), errs)
		}
	case reflect.String:
		if _, ok := (*v).(string); !ok {
			wrong(articled(jsonKindOf(*v)))
		}
	case reflect.Bool:
		if _, ok := (*v).(bool); !ok {
			wrong(articled(jsonKindOf(*v)))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		n, ok := (*v).(json.Number)
		if !ok {
			wrong(articled(jsonKindOf(*v)))
			return
		}
		if !fits(string(n), t) {
			wrong(string(n))
		}
	}
}

// fits says whether the JSON number n fits the numeric Go type t.
func fits(n string, t reflect.Type) bool {
	var err error
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		_, err = strconv.ParseFloat(n, t.Bits())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		_, err = strconv.ParseUint(n, 10, t.Bits())
	default:
		_, err = strconv.ParseInt(n, 10, t.Bits())
	}
	return err == nil
}

// jsonKindOf is what encoding/json calls the kind of a decoded value.
func jsonKindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	default:
		return "string"
	}
}

// shorthand is a type that may be written as a plain string, which sets
// one of its fields (v1alpha1.StringMatch: an exact match).
type shorthand interface{ ShorthandField() string }

var shorthandType = reflect.TypeFor[shorthand]()

// expandShorthands rewrites, in the JSON data of a value of type t, every
// string written where a shorthand type is expected into the object it
// stands for ({"exact": "v"}), so that strict decoding sees one form.
func expandShorthands(data []byte, t reflect.Type) ([]byte, error) {
	if !mentions(data, shorthandFields(t)) {
		return data, nil // the common case: no field that holds one is set
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber() // numbers stay as written
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if !expandValue(&v, t) {
		return data, nil
	}
	return json.Marshal(v)
}

var shorthandFieldsOf sync.Map // reflect.Type → []string

// shorthandFields are the JSON names of the fields, anywhere in t, whose
// values are (or hold lists or maps of) a shorthand type.
func shorthandFields(t reflect.Type) []string {
	if f, ok := shorthandFieldsOf.Load(t); ok {
		return f.([]string)
	}
	var names []string
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		t = deref(t)
		if seen[t] || t.Kind() != reflect.Struct {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			f := t.Field(i)
			if deref(f.Type).Implements(shorthandType) {
				names = append(names, strings.Split(f.Tag.Get("json"), ",")[0])
			}
			walk(f.Type)
		}
	}
	walk(t)
	shorthandFieldsOf.Store(t, names)
	return names
}

// mentions says whether the JSON data has a member named one of names.
func mentions(data []byte, names []string) bool {
	for _, n := range names {
		if bytes.Contains(data, []byte(`"`+n+`":`)) {
			return true
		}
	}
	return false
}

// expandValue rewrites the shorthands of *v (of type t) in place and says
// whether it changed anything.
func expandValue(v *any, t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(shorthandType) {
		if s, ok := (*v).(string); ok {
			*v = map[string]any{reflect.Zero(t).Interface().(shorthand).ShorthandField(): s}
			return true
		}
		return false
	}
	changed := false
	switch t.Kind() {
	case reflect.Slice:
		if list, ok := (*v).([]any); ok {
			for i := range list {
				changed = expandValue(&list[i], t.Elem()) || changed
			}
		}
	case reflect.Map:
		if m, ok := (*v).(map[string]any); ok {
			for k, e := range m {
				if expandValue(&e, t.Elem()) {
					m[k], changed = e, true
				}
			}
		}
	case reflect.Struct:
		m, ok := (*v).(map[string]any)
		if !ok {
			return false
		}
		for k, e := range m {
			if f, ok := jsonField(t, k); ok && expandValue(&e, f.Type) {
				m[k], changed = e, true
			}
		}
	}
	return changed
}

// duplicateKeys reports every key set twice in one mapping under n, by
// its field path (YAML allows no duplicate keys; where the document is
// part of a ResourceList, a line number would not help).
func duplicateKeys(n *yaml.Node, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch n.Kind {
	case yaml.MappingNode:
		seen := make(map[string]bool, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			p := path.Child(k) // a nil path is the root
			if seen[k] {
				errs = append(errs, &field.Error{Type: field.ErrorTypeDuplicate, Field: p.String(), BadValue: field.OmitValueType{},
					Detail: "the key is set twice in one mapping: keep one"})
				continue
			}
			seen[k] = true
			errs = append(errs, duplicateKeys(n.Content[i+1], p)...)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			errs = append(errs, duplicateKeys(c, path.Index(i))...)
		}
	}
	return errs
}

// decodeError explains encoding/json's type error, with the list indices
// it leaves out of the path found again in the document.
func decodeError(err error, doc *yaml.Node) *field.Error {
	m := typeError.FindStringSubmatch(err.Error())
	if m == nil {
		return &field.Error{Type: field.ErrorTypeInvalid, BadValue: field.OmitValueType{}, Detail: err.Error()}
	}
	kind, literal, path, goType := m[1], m[2], m[3], m[4]
	if p, ok := locate(doc, strings.Split(path, "."), kind); ok {
		path = strings.TrimPrefix(p, ".")
	}
	not := articled(kind)
	if literal != "" {
		not = literal
	}
	// The path is encoding/json's, already in field.Path's form.
	return &field.Error{Type: field.ErrorTypeTypeInvalid, Field: path, BadValue: field.OmitValueType{}, Detail: "must be " + typeWords(goType) + ", not " + not}
}

// locate finds the first value of the given JSON kind at the dotted path
// (which has no list indices) in n, and returns its path with indices.
func locate(n *yaml.Node, parts []string, kind string) (string, bool) {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	switch {
	case len(parts) == 0 && jsonKind(n) == kind:
		return "", true
	case n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			if p, ok := locate(c, parts, kind); ok {
				return fmt.Sprintf("[%d]%s", i, p), true
			}
		}
	case len(parts) > 0 && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == parts[0] {
				p, ok := locate(n.Content[i+1], parts[1:], kind)
				return "." + parts[0] + p, ok
			}
		}
	}
	return "", false
}

// jsonKind is what encoding/json calls the kind of a YAML value.
func jsonKind(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "object"
	case n.Kind == yaml.SequenceNode:
		return "array"
	case n.Tag == yaml.NodeTagInt || n.Tag == yaml.NodeTagFloat:
		return "number"
	case n.Tag == yaml.NodeTagBool:
		return "bool"
	default:
		return "string"
	}
}

func strictError(err error, root reflect.Type) *field.Error {
	fe, ok := err.(sigsjson.FieldError)
	if !ok {
		return &field.Error{Type: field.ErrorTypeInvalid, BadValue: field.OmitValueType{}, Detail: err.Error()}
	}
	path := fe.FieldPath()
	if strings.HasPrefix(err.Error(), "duplicate field") {
		return &field.Error{Type: field.ErrorTypeDuplicate, Field: path, BadValue: ""}
	}
	return unknownField(root, path)
}

// unknownField is the error of the unknown field at path of a value of
// type root, suggesting the known field of its object it may have meant.
func unknownField(root reflect.Type, path string) *field.Error {
	parts := strings.Split(index.ReplaceAllString(path, ""), ".")
	return v1alpha1.UnknownField(path, parts[len(parts)-1], knownFields(root, parts[:len(parts)-1]))
}

// typeWords says a Go type as a user knows it.
func typeWords(t string) string {
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"), strings.HasSuffix(t, "IntOrString"):
		return "an integer"
	case t == "string", t == "v1alpha1.Protocol", t == "v1alpha1.InjectionMode":
		return "a string"
	case t == "v1alpha1.StringMatch":
		return "a string or one of {exact: ...}, {prefix: ...}, {regex: ...}"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "map["):
		return "a map of strings"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	default:
		return "an object"
	}
}

// typeWordsOf says Go type t as a user knows it.
func typeWordsOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return typeWords(t.String())
}

func articled(jsonKind string) string {
	switch jsonKind {
	case "array", "object", "number", "string", "bool":
		if jsonKind == "array" || jsonKind == "object" {
			return "an " + jsonKind
		}
		if jsonKind == "bool" {
			return "a boolean"
		}
		return "a " + jsonKind
	}
	return jsonKind
}

var index = regexp.MustCompile(`\[[^\]]*\]`)

// knownFields are the JSON names of the fields of the object at parent, a
// path of JSON names (without list indices) from root.
func knownFields(root reflect.Type, parent []string) []string {
	t := root
	for _, p := range parent {
		t = deref(t)
		if t.Kind() != reflect.Struct {
			return nil
		}
		f, ok := jsonField(t, p)
		if !ok {
			return nil
		}
		t = f.Type
	}
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	return jsonNames(t)
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	return t
}

func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if f.Anonymous && tag == "" {
			if ff, ok := jsonField(deref(f.Type), name); ok {
				return ff, true
			}
			continue
		}
		if tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func jsonNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if f.Anonymous && tag == "" {
			names = append(names, jsonNames(deref(f.Type))...)
			continue
		}
		if tag != "" && tag != "-" {
			names = append(names, tag)
		}
	}
	return names
}

// guarded is f, with a panic (in a library it calls, on input nobody
// foresaw) turned into an error on the object it was working on rather
// than the end of the run or, on another CPU, an object silently left out.
func guarded[T any](f func() (T, field.ErrorList)) (t T, errs field.ErrorList) {
	defer func() {
		if r := recover(); r != nil {
			errs = field.ErrorList{field.InternalError(nil, fmt.Errorf("krm-fn failed on this object (please report it): %v", r))}
		}
	}()
	return f()
}
