# For the generating scripts (cmake -P): writes `text` to `path` only when
# it differs from what is there, so an unchanged output rebuilds nothing.
function(rollcall_write_if_changed path text)
  set(old "")
  if(EXISTS "${path}")
    file(READ "${path}" old)
  endif()
  if(NOT old STREQUAL text)
    file(WRITE "${path}" "${text}")
  endif()
endfunction()
