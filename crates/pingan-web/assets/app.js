// Small progressive enhancements; every page works without this file.
(function () {
  // Highlight the grid under the pointer on the map and show its name.
  var map = document.querySelector('svg.gridmap');
  if (map) {
    var label = document.getElementById('map-label');
    map.addEventListener('mouseover', function (e) {
      var title = e.target.querySelector && e.target.querySelector('title');
      if (title && label) label.textContent = title.textContent;
    });
  }
  // Residents: fill the grid search from the device's position, where the browser allows it.
  var use = document.getElementById('use-position');
  if (use && navigator.geolocation) {
    use.hidden = false;
    use.addEventListener('click', function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById('lon').value = p.coords.longitude.toFixed(6);
        document.getElementById('lat').value = p.coords.latitude.toFixed(6);
        document.getElementById('locate-form').submit();
      });
    });
  }
})();
