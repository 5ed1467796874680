# Embed the gnuplot templates into barbench as C strings, so a results folder
# can be re-plotted by the binary alone.  Invoked with -DOUT= -DDIR= -DNAMES=.
set(body "/* generated from the analysis templates (.gp) by analysis/embed.cmake: do not edit */\n")
string(REPLACE "," ";" NAMES "${NAMES}")
foreach(name ${NAMES})
  file(READ "${DIR}/${name}.gp" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," arr "${hex}")
  string(APPEND body "const char bb_gp_${name}[] = { ${arr} 0 };\n")
endforeach()
file(WRITE "${OUT}.tmp" "${body}")
file(RENAME "${OUT}.tmp" "${OUT}")
