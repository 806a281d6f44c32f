// Package migrate reads the users of other identity platforms' exports as users to create in
// Descope.
package migrate
