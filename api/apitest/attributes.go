package apitest

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api/internal/jsonvalue"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// WithCustomAttributes seeds the project's custom attribute definitions, which
// UserCustomAttributes lists. The fake does not hold users' attributes to them: a user may carry
// any attribute, defined or not.
func WithCustomAttributes(defs ...gen.CustomAttribute) Option {
	return func(c *config) { c.attributes = append(c.attributes, defs...) }
}

// CustomAttributes returns copies of the project's custom attribute definitions, in the order
// they were defined.
func (s *Server) CustomAttributes() []gen.CustomAttribute {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	return copyAttributes(s.attributes)
}

func copyAttributes(defs []gen.CustomAttribute) []gen.CustomAttribute {
	out := make([]gen.CustomAttribute, len(defs))
	for i, d := range defs {
		d.Options = slices.Clone(d.Options)
		d.ViewPermissions = slices.Clone(d.ViewPermissions)
		d.EditPermissions = slices.Clone(d.EditPermissions)
		d.DefaultValue = copyJSON(d.DefaultValue)
		out[i] = d
	}
	return out
}

// attributesAnswer is every definition, as the three operations answer them; the caller holds a
// lock.
func (s *Server) attributesAnswer() gen.CustomAttributesResponse {
	defs := copyAttributes(s.attributes)
	for i := range defs {
		defs[i].Editable = true // the management key may edit every attribute
		if defs[i].Options == nil {
			defs[i].Options = []gen.CustomAttributeOption{}
		}
	}
	return gen.CustomAttributesResponse{Data: defs, Total: decimal(len(defs))}
}

func (o operations) UserCustomAttributes(w http.ResponseWriter, r *http.Request) {
	o.s.store.mu.RLock()
	a := o.s.attributesAnswer()
	o.s.store.mu.RUnlock()
	o.s.respond(w, r, callOf(r), http.StatusOK, a)
}

func (o operations) CreateUserCustomAttribute(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.CreateCustomAttributesRequest](o.s, w, r)
	if !ok {
		return
	}
	defs := make([]gen.CustomAttribute, len(req.Attributes))
	for i, in := range req.Attributes {
		if slices.ContainsFunc(req.Attributes[:i], func(x gen.CustomAttributeDefinition) bool { return x.Name == in.Name }) {
			o.s.fail(w, r, c, invalidArguments(fmt.Sprintf("attributes[%d]: %q is defined twice in this call", i, in.Name)))
			return
		}
		dv, err := jsonvalue.Plain(in.DefaultValue)
		if err != nil {
			o.s.fail(w, r, c, decodeFailed(err))
			return
		}
		d := gen.CustomAttribute{Name: in.Name, Type: in.Type, DisplayName: in.DisplayName, DefaultValue: dv,
			ViewPermissions: slices.Clone(in.ViewPermissions), EditPermissions: slices.Clone(in.EditPermissions)}
		for _, opt := range in.Options {
			d.Options = append(d.Options, gen.CustomAttributeOption(opt))
		}
		defs[i] = d
	}
	o.s.store.mu.Lock()
	for _, d := range defs {
		// A name that exists is replaced, in its place.
		if i := slices.IndexFunc(o.s.attributes, func(x gen.CustomAttribute) bool { return x.Name == d.Name }); i >= 0 {
			o.s.attributes[i] = d
		} else {
			o.s.attributes = append(o.s.attributes, d)
		}
	}
	a := o.s.attributesAnswer()
	o.s.store.mu.Unlock()
	o.s.respond(w, r, c, http.StatusOK, a)
}

func (o operations) DeleteUserCustomAttribute(w http.ResponseWriter, r *http.Request) {
	req, c, ok := decodeBody[gen.DeleteCustomAttributesRequest](o.s, w, r)
	if !ok {
		return
	}
	st := o.s.store
	st.mu.Lock()
	var deleted []string
	o.s.attributes = slices.DeleteFunc(o.s.attributes, func(d gen.CustomAttribute) bool {
		if slices.Contains(req.Names, d.Name) {
			deleted = append(deleted, d.Name)
			return true
		}
		return false
	})
	// The definition owns its values: every user loses the values of the attributes deleted.
	now := time.Now().Unix()
	for _, sl := range st.slots {
		if sl == nil {
			continue
		}
		old := sl.user
		if !slices.ContainsFunc(deleted, func(name string) bool { _, has := old.attrs.get(name); return has }) {
			continue
		}
		u := old.view()
		remove := map[string]any{}
		for _, name := range deleted {
			remove[name] = nil
		}
		u.CustomAttributes = mergeAttributes(u.CustomAttributes, remove)
		u.ModifiedTime = max(now, u.CreatedTime)
		st.put(sl, st.pool.compact(u))
	}
	a := o.s.attributesAnswer()
	st.mu.Unlock()
	o.s.respond(w, r, c, http.StatusOK, a)
}
