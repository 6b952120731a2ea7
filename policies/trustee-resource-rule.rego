# The per-image rule of Trustee's resource policy (package policy, rule
# data.policy.allow) that cvmimg generates for each bundle: the broker key of
# one image is released only to a TEE whose launch measurement is one of the
# image's expected values and whose debugging is off. Sample evidence never
# matches. Everything from the "begin" line to the "end" line is one block:
# "cvmimg broker apply" replaces the block of the same resource and leaves
# every other rule of the policy alone.
#
# Template syntax (cvmimg-bundle(5)): a line "#@ NAME" starts a part; the parts
# are "begin", "snp" (once, if the image has SNP shapes), "tdx" (once per TDX
# shape) and "end". @RESOURCE@ is the resource path, @PATHS@ the two forms
# Trustee gives it to policies (a list of three strings, or "/repo/type/tag"
# in older releases), @IMAGE@ the image name, @SNP_MEASUREMENTS@ a Rego set of
# the SNP launch measurements, @SHAPE@ a TDX shape's name and @MR_TD@,
# @RTMR_0@ .. @RTMR_3@ its registers; a line whose register is unknown is left
# out. Claim names: Trustee's EAR token, cpu0 submodule (key-broker.md 1.6).
#@ begin
# cvmimg begin @RESOURCE@
# image @IMAGE@: release @RESOURCE@ to its expected launch measurements only
#@ snp
allow if {
	data.plugin == "resource"
	data["resource-path"] in @PATHS@
	ev := input.submods.cpu0["ear.veraison.annotated-evidence"]
	ev.snp.measurement in @SNP_MEASUREMENTS@
	ev.snp.policy_debug_allowed == false
}
#@ tdx
# TDX shape @SHAPE@
allow if {
	data.plugin == "resource"
	data["resource-path"] in @PATHS@
	ev := input.submods.cpu0["ear.veraison.annotated-evidence"]
	ev.tdx.quote.body.mr_td == "@MR_TD@"
	ev.tdx.quote.body.rtmr_0 == "@RTMR_0@"
	ev.tdx.quote.body.rtmr_1 == "@RTMR_1@"
	ev.tdx.quote.body.rtmr_2 == "@RTMR_2@"
	ev.tdx.quote.body.rtmr_3 == "@RTMR_3@"
	ev.tdx.td_attributes.debug == false
}
#@ end
# cvmimg end @RESOURCE@
