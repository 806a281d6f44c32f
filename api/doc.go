// Package api is the client for Descope's user-management operations (the whole user lifecycle:
// create, invite, import, update, load, search, delete, passwords, second factors and test
// users) that users of this module import. It is built on the generated client in package gen
// and validated against the same spec (spec/openapi.yaml) by the contract tests.
package api
