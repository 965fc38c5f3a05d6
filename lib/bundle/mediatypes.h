/* Media types and annotation keys of an mlops bundle (mlops.yaml(5)).
 * The manifest follows CNCF ModelPack so that OCI tools read it. */
#ifndef MLOPS_BUNDLE_MEDIATYPES_H
#define MLOPS_BUNDLE_MEDIATYPES_H

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_MODEL_ARTIFACT "application/vnd.cncf.model.manifest.v1+json"
#define MT_MODEL_CONFIG "application/vnd.cncf.model.config.v1+json"
#define MT_WEIGHT_RAW "application/vnd.cncf.model.weight.v1.raw"
#define MT_CODE_TAR "application/vnd.cncf.model.code.v1.tar"
#define MT_DOC_TAR "application/vnd.cncf.model.doc.v1.tar"
#define MT_DATASET_TAR "application/vnd.cncf.model.dataset.v1.tar"
/* mlops's own layer: the resolved descriptor (signature, gates, smoke
 * tests), provenance and the file list. */
#define MT_MLOPS_DESCRIPTOR "application/vnd.mlops.descriptor.v1+json"
#define MT_CYCLONEDX "application/vnd.cyclonedx+json"
/* A bundle signature: an OCI artifact whose subject is the bundle's
 * manifest, kept in the bundle's index.json and pushed as a referrer. */
#define MT_MLOPS_SIGNATURE "application/vnd.mlops.signature.v1+json"
#define MT_EMPTY "application/vnd.oci.empty.v1+json"
/* The empty config "{}": its digest. */
#define EMPTY_HEX \
	"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define EMPTY_DIGEST "sha256:" EMPTY_HEX
#define AN_SIGNATURE "dev.mlops.signature"
#define AN_SIGNATURE_KEY "dev.mlops.signature.key"

#define AN_FILEPATH "org.cncf.model.filepath"
#define AN_FILE_METADATA "org.cncf.model.file.metadata+json"
#define AN_TITLE "org.opencontainers.image.title"
#define AN_VERSION "org.opencontainers.image.version"
#define AN_CREATED "org.opencontainers.image.created"
#define AN_REVISION "org.opencontainers.image.revision"
#define AN_SOURCE "org.opencontainers.image.source"
#define AN_DESCRIPTION "org.opencontainers.image.description"
#define AN_LICENSES "org.opencontainers.image.licenses"
#define AN_REF_NAME "org.opencontainers.image.ref.name"

#define OCI_LAYOUT_JSON "{\"imageLayoutVersion\":\"1.0.0\"}"

#endif
