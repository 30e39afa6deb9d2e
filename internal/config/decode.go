package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// decodeInto copies the generic TOML tree m (as toml.Decode produces into a
// map) onto the struct pointed to by dst, following toml struct tags. It
// does not stop at the first problem: unknown keys, wrong types and bad
// values are all recorded in ps, and everything else is still decoded.
// (toml.Decode straight into the struct would abort at the first type
// error and could not name array indexes.)
func decodeInto(ps *problems, m map[string]any, dst any) {
	decodeStruct(ps, "", m, reflect.ValueOf(dst).Elem())
}

var durationType = reflect.TypeOf(Duration{})

func decodeStruct(ps *problems, path string, m map[string]any, v reflect.Value) {
	fields := map[string]int{}
	var names []string
	for i := 0; i < v.NumField(); i++ {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("toml"), ",")
		if name != "" && name != "-" {
			fields[name] = i
			names = append(names, name)
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := joinKey(path, k)
		i, ok := fields[k]
		if !ok {
			if s := closest(k, names); s != "" {
				ps.add(key, "unknown key (did you mean %q?)", s)
			} else {
				ps.add(key, "unknown key")
			}
			continue
		}
		decodeValue(ps, key, m[k], v.Field(i))
	}
}

func decodeValue(ps *problems, key string, raw any, v reflect.Value) {
	if v.Type() == durationType {
		s, ok := raw.(string)
		if !ok {
			ps.add(key, "expected a duration such as \"3d\" or \"2h\", got %s", describe(key, raw))
			return
		}
		d, err := ParseDuration(s)
		if err != nil {
			ps.add(key, "%v", err)
			return
		}
		v.Set(reflect.ValueOf(Duration{d}))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if s, ok := raw.(string); ok {
			v.SetString(s)
			return
		}
		ps.add(key, "expected a string, got %s", describe(key, raw))
	case reflect.Bool:
		if b, ok := raw.(bool); ok {
			v.SetBool(b)
			return
		}
		ps.add(key, "expected true or false, got %s", describe(key, raw))
	case reflect.Int, reflect.Int64:
		if n, ok := raw.(int64); ok {
			v.SetInt(n)
			return
		}
		ps.add(key, "expected an integer, got %s", describe(key, raw))
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		before := len(ps.list)
		decodeValue(ps, key, raw, p.Elem())
		if len(ps.list) == before {
			v.Set(p)
		}
	case reflect.Slice:
		items, ok := asSlice(raw)
		if !ok {
			ps.add(key, "expected an array, got %s", describe(key, raw))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, item := range items {
			decodeValue(ps, indexKey(key, i), item, s.Index(i))
		}
		v.Set(s)
	case reflect.Struct:
		m, ok := raw.(map[string]any)
		if !ok {
			ps.add(key, "expected a table, got %s", describe(key, raw))
			return
		}
		decodeStruct(ps, key, m, v)
	default:
		panic(fmt.Sprintf("config: cannot decode into %s", v.Type()))
	}
}

// asSlice accepts both an array of values and an array of tables.
func asSlice(raw any) ([]any, bool) {
	switch x := raw.(type) {
	case []any:
		return x, true
	case []map[string]any:
		items := make([]any, len(x))
		for i, m := range x {
			items[i] = m
		}
		return items, true
	}
	return nil, false
}

// describe names the TOML type of raw, with its value when short and not a
// secret.
func describe(key string, raw any) string {
	var kind string
	switch raw.(type) {
	case string:
		kind = "string"
	case int64:
		kind = "integer"
	case float64:
		kind = "float"
	case bool:
		kind = "boolean"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	default:
		return "a date-time"
	}
	val := fmt.Sprintf("%#v", raw)
	if isSecretKey(key) || len(val) > 40 {
		return kind
	}
	return kind + " " + val
}

// isSecretKey reports whether the value at key may be a password.
func isSecretKey(key string) bool {
	return key == "password" || strings.HasSuffix(key, ".password")
}

// closest returns the name in names nearest to s by edit distance, if
// that is at most 2, else "".
func closest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
