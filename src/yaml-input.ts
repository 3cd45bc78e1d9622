// The one place kgen and kgen-boot read YAML (src/yaml.ts is the one place they write it). Input is read
// with the yaml package's default YAML 1.2 core schema: what kgen writes is quoted for YAML 1.1 readers
// (cloud-init's PyYAML, go-yaml), so it reads back unchanged here, and a hand-written `yes`, `on` or
// 52:54:00:00:00:11 stays a string instead of becoming a boolean or a base-60 integer as under 1.1.
export { parse, parseAllDocuments, parseDocument } from 'yaml';
