# cvm_embed_text(HEADER SYMBOL FILE): write HEADER defining SYMBOL as a C string
# holding the text of FILE (a policy template the library carries), and
# re-run the configuration when FILE changes.
function(cvm_embed_text header symbol file)
	file(READ ${file} text)
	string(REPLACE "\\" "\\\\" text "${text}")
	string(REPLACE "\"" "\\\"" text "${text}")
	string(REPLACE "?" "\\?" text "${text}")
	string(REPLACE "\t" "\\t" text "${text}")
	string(REPLACE "\n" "\\n\"\n\t\"" text "${text}")
	get_filename_component(name ${file} NAME)
	file(WRITE ${header}.new
		"/* Generated from ${name} by cmake/Embed.cmake: do not edit. */\n"
		"static const char ${symbol}[] =\n\t\"${text}\";\n")
	file(COPY_FILE ${header}.new ${header} ONLY_IF_DIFFERENT)
	file(REMOVE ${header}.new)
	set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
endfunction()
